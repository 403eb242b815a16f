"""Errors the tap raises on purpose, each with a one-line message that names the problem."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError


class HelpScoutAPIError(FatalAPIError):
    """Help Scout answered in a way the tap cannot carry on from."""


class CredentialsRefusedError(HelpScoutAPIError):
    """The client id or secret was refused, or a fresh token was refused again."""


class ResourceGoneError(HelpScoutAPIError):
    """A parent that was listed moments ago was merged (301) or deleted (404) since."""


class TokenUnavailableError(RetriableAPIError):
    """The token endpoint could not be reached or failed on its side: worth another try."""


class RateLimitedError(Exception):
    """Help Scout answered 429; `wait` is what it asked for, or None when it did not say.

    Deliberately not a RetriableAPIError: waiting out the rate limit must not spend the retries
    meant for errors.
    """

    def __init__(self, message: str, wait: float | None) -> None:
        """Keep the wait the server asked for."""
        super().__init__(message)
        self.wait = wait


class AccessForbiddenError(HelpScoutAPIError):
    """A valid token was refused a list (403): a plan without reports, or an admin-only list."""


class TokenExpiredError(Exception):
    """A 401 on a token that had worked: a new token and the same request again, no retry spent."""
