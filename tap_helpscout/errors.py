"""Errors the tap raises on purpose, each with a one-line message that names the problem."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class HelpScoutAPIError(FatalAPIError):
    """Help Scout answered in a way the tap cannot carry on from."""


class CredentialsRefusedError(HelpScoutAPIError):
    """The client id or secret was refused, or a fresh token was refused again."""


class ResourceGoneError(HelpScoutAPIError):
    """A parent that was listed moments ago was merged (301) or deleted (404) since."""


class AccessForbiddenError(HelpScoutAPIError):
    """A valid token was refused a list (403): a plan without reports, or an admin-only list."""
