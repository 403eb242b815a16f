"""The tap: its settings and its streams."""

from __future__ import annotations

import datetime
import functools
import typing as t
from urllib.parse import urlparse

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_helpscout.auth import ClientCredentialsAuthenticator
from tap_helpscout.errors import HelpScoutAPIError
from tap_helpscout.streams.conversations import (
    ConversationsStream,
    ConversationThreadsStream,
    ThreadHandoff,
)
from tap_helpscout.streams.customers import CustomersStream
from tap_helpscout.streams.mailboxes import (
    MailboxesStream,
    MailboxFieldsStream,
    MailboxFoldersStream,
    SavedRepliesStream,
)
from tap_helpscout.streams.organizations import CustomerPropertiesStream, OrganizationsStream
from tap_helpscout.streams.reports import HappinessRatingsReportStream
from tap_helpscout.streams.tags_workflows_webhooks import (
    TagsStream,
    WebhooksStream,
    WorkflowsStream,
)
from tap_helpscout.streams.teams import TeamMembersStream, TeamsStream
from tap_helpscout.streams.users import UsersStream
from tap_helpscout.windows import UTC, parse_time

if t.TYPE_CHECKING:
    from tap_helpscout.client import HelpScoutStream

STREAM_TYPES: tuple[type[HelpScoutStream], ...] = (
    ConversationsStream,
    ConversationThreadsStream,
    CustomersStream,
    MailboxesStream,
    MailboxFoldersStream,
    MailboxFieldsStream,
    SavedRepliesStream,
    UsersStream,
    TeamsStream,
    TeamMembersStream,
    TagsStream,
    WorkflowsStream,
    WebhooksStream,
    OrganizationsStream,
    CustomerPropertiesStream,
    HappinessRatingsReportStream,
)


class TapHelpScout(Tap):
    """Singer tap for Help Scout."""

    name = "tap-helpscout"
    package_name = "tap-helpscout-sdk"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "client_id",
            th.StringType(min_length=1),
            required=True,
            title="App ID",
            description="App ID of a Help Scout OAuth app (Your Profile > My Apps).",
        ),
        th.Property(
            "client_secret",
            th.StringType(min_length=1),
            required=True,
            secret=True,
            title="App Secret",
            description="App Secret of the same Help Scout OAuth app.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start date",
            description=(
                "Read conversations, customers and ratings changed after this time "
                "(ISO 8601) when there is no bookmark yet."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End date",
            description=(
                "Read nothing changed after this time (ISO 8601); bookmarks never pass it. "
                "Default: the sync's start, less the safety margin."
            ),
        ),
        th.Property(
            "api_url",
            th.URIType,
            default="https://api.helpscout.net",
            title="API URL",
            description=(
                "Root of the Help Scout API; every request, the token's included, goes below it."
            ),
        ),
        th.Property(
            "key_case",
            th.StringType,
            default="snake_case",
            allowed_values=["snake_case", "camelCase"],
            title="Column names",
            description=(
                "snake_case (the default, matching singer-io's tap) renames every key at every "
                "depth; camelCase keeps Help Scout's own names."
            ),
        ),
        th.Property(
            "safety_margin_minutes",
            th.IntegerType(minimum=0),
            default=5,
            title="Safety margin (minutes)",
            description=(
                "Incremental reads stop this many minutes before the sync's start, leaving "
                "time for Help Scout's search index to catch up with recent changes."
            ),
        ),
        th.Property(
            "mailbox_ids",
            th.ArrayType(th.IntegerType),
            title="Mailbox ids",
            description=(
                "Read only these mailboxes (inboxes): their conversations, folders, custom "
                "fields, saved replies, workflows and ratings. Default: every mailbox the app's "
                "user can see."
            ),
        ),
        th.Property(
            "saved_reply_text",
            th.BooleanType,
            default=False,
            title="Saved reply text",
            description=(
                "Also read the full text of every saved reply, at one request per reply; "
                "otherwise saved replies carry their preview only."
            ),
        ),
        th.Property(
            "fail_on_forbidden",
            th.BooleanType,
            default=False,
            title="Fail on forbidden",
            description=(
                "Fail the run when Help Scout refuses a stream (403: reports on the Standard "
                "plan, lists that need an administrator); otherwise the stream is skipped with "
                "a warning and its table is left as it was."
            ),
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap and note the time the sync starts."""
        self.started_at = datetime.datetime.now(tz=UTC).replace(microsecond=0)
        self.thread_handoff = ThreadHandoff()
        super().__init__(*args, **kwargs)

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        errors = super()._validate_config(raise_errors=False)
        url = urlparse(str(self.config.get("api_url", "")))
        if url.scheme not in {"http", "https"} or not url.netloc:
            errors.append("api_url must be an http(s) URL")
        start, end = self.config.get("start_date"), self.config.get("end_date")
        if start and end:
            try:
                if parse_time(end) < parse_time(start):
                    errors.append("end_date is before start_date")
            except ValueError:
                errors.append("start_date and end_date must be ISO 8601 times")
        if errors and raise_errors:
            raise ConfigValidationError("Invalid configuration", errors=errors)
        return errors

    @functools.cached_property
    def authenticator(self) -> ClientCredentialsAuthenticator:
        """The one authenticator, and token, of this run."""
        return ClientCredentialsAuthenticator(
            token_url=f"{self.config['api_url'].rstrip('/')}/v2/oauth2/token",
            client_id=self.config["client_id"],
            client_secret=self.config["client_secret"],
        )

    @functools.cached_property
    def sync_upper_bound(self) -> datetime.datetime:
        """The latest time an incremental stream reads up to in this run."""
        margin = datetime.timedelta(minutes=int(self.config.get("safety_margin_minutes", 5)))
        bound = self.started_at - margin
        if end_date := self.config.get("end_date"):
            bound = min(bound, parse_time(end_date))
        return bound

    @classmethod
    @override
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        try:
            super().invoke(**kwargs)
        except HelpScoutAPIError as error:
            # A refused credential or an API that keeps failing is a message for a person, not
            # a traceback; the STATE written so far only claims finished windows.
            cls.logger.error("%s", error)
            raise SystemExit(1) from None

    @override
    def discover_streams(self) -> list[HelpScoutStream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapHelpScout.cli()
