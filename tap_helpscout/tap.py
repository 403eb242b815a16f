"""The tap: its settings and its streams."""

from __future__ import annotations

import concurrent.futures
import datetime
import functools
import json
import typing as t
from urllib.parse import urlparse

import simplejson
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_helpscout.auth import ClientCredentialsAuthenticator
from tap_helpscout.errors import HelpScoutAPIError
from tap_helpscout.pacing import RequestPacer
from tap_helpscout.streams.conversations import (
    ConversationIdsStream,
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
from tap_helpscout.windows import UTC, ServerClock, parse_time

if t.TYPE_CHECKING:
    from tap_helpscout.client import HelpScoutStream


def _start_of_day(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


# Bounds that meltano.yml cannot compute: the end of the last whole day or week, in UTC.
END_BOUNDARIES: dict[str, t.Callable[[datetime.datetime], datetime.datetime]] = {
    "end_of_yesterday": _start_of_day,
    "end_of_last_sunday": lambda moment: (
        _start_of_day(moment) - datetime.timedelta(days=moment.astimezone(UTC).weekday())
    ),
}

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
    ConversationIdsStream,
)


class TapHelpScout(Tap):
    """Singer tap for Help Scout."""

    name = "tap-helpscout"
    package_name = "tap-helpscout-sdk"
    # Writes each message with msgspec, several times faster than the default JSON writer.
    message_writer_class = MsgSpecWriter

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
            "end_boundary",
            th.StringType,
            default="none",
            allowed_values=["none", *END_BOUNDARIES],
            title="End boundary",
            description=(
                "Stop incremental reads at the end of the last whole UTC day "
                "(end_of_yesterday) or week (end_of_last_sunday, for a weekly job run on "
                "Wednesdays), instead of at the sync's start; bookmarks never pass it."
            ),
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0),
            default=0,
            title="Lookback (days)",
            description=(
                "Re-read this many days before the bookmark on every run, as insurance against "
                "changes the API reported late. Costs the requests of those days."
            ),
        ),
        th.Property(
            "max_requests_per_minute",
            th.IntegerType(minimum=1),
            title="Requests per minute (cap)",
            description=(
                "The most requests a minute the tap sends, to leave room in the account's shared "
                "budget for other tools. Unset: no cap of its own; the tap still slows down as "
                "Help Scout's remaining budget runs low and waits out every 429."
            ),
        ),
        th.Property(
            "max_parallel_requests",
            th.IntegerType(minimum=1, maximum=8),
            default=4,
            title="Requests in flight",
            description=(
                "How many requests the tap keeps in flight at once (pages of a window read "
                "ahead, threads of several conversations), all within the one shared rate "
                "budget. 1 sends one request at a time."
            ),
        ),
        th.Property(
            "request_timeout_seconds",
            th.IntegerType(minimum=1),
            default=60,
            title="Request timeout (seconds)",
            description="A request that has no answer after this long is abandoned and retried.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0),
            default=6,
            title="Retries per request",
            description=(
                "How often a request that failed with a 5xx, a reset connection, a timeout or a "
                "broken body is retried, with exponential backoff, before the run stops. "
                "Waiting out a 429 does not count."
            ),
        ),
        th.Property(
            "retry_wait_seconds",
            th.IntegerType(minimum=0),
            default=2,
            title="First retry wait (seconds)",
            description="Wait before the first retry; it doubles with each retry, up to 60 s.",
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
        secret = self.config.get("client_secret")
        errors = super()._validate_config(raise_errors=False)
        if secret is not None and str(secret):
            # jsonschema quotes the offending value, which here may be the secret itself.
            errors = [error.replace(str(secret), "***") for error in errors]
        known = set(self.config_jsonschema["properties"])
        if unknown := sorted(key for key in self.config if key not in known):
            # Most likely a typo (`clientsecret`); never fatal, since Meltano may pass extras.
            self.logger.warning("Ignoring unknown settings: %s", ", ".join(unknown))
        url = urlparse(str(self.config.get("api_url", "")))
        if url.scheme not in {"http", "https"} or not url.netloc:
            errors.append("api_url must be an http(s) URL")
        times = {}
        for name in ("start_date", "end_date"):
            value = self.config.get(name)
            if value is None:
                continue
            try:
                times[name] = parse_time(str(value))
            except ValueError:
                errors.append(f"{name} is not an ISO 8601 time: {str(value)[:40]!r}")
        if len(times) == 2 and times["end_date"] < times["start_date"]:
            errors.append("end_date is before start_date")
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
    def server_clock(self) -> ServerClock:
        """Help Scout's time, as its answers tell it."""
        return ServerClock()

    @functools.cached_property
    def pacer(self) -> RequestPacer:
        """The one pacer of this run: every stream's requests share the account's budget."""
        return RequestPacer(max_requests_per_minute=self.config.get("max_requests_per_minute"))

    @property
    def parallel_requests(self) -> int:
        """How many requests may be in flight at once."""
        return int(self.config.get("max_parallel_requests", 4))

    @functools.cached_property
    def request_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        """The worker threads that send requests ahead of the records being emitted."""
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.parallel_requests, thread_name_prefix="helpscout-request"
        )

    @functools.cached_property
    def sync_upper_bound(self) -> datetime.datetime:
        """The latest time an incremental stream reads up to in this run."""
        margin = datetime.timedelta(minutes=int(self.config.get("safety_margin_minutes", 5)))
        bound = self.started_at - margin
        if end_date := self.config.get("end_date"):
            bound = min(bound, parse_time(end_date))
        if boundary := END_BOUNDARIES.get(self.config.get("end_boundary", "none")):
            bound = min(bound, boundary(self.started_at))
        return bound

    @property
    def sync_end_is_open(self) -> bool:
        """True when the run reads up to "now" (no end_date, no end_boundary).

        Only such a run may read records that changed while it ran; a bounded run (a backfill
        slice, the weekly job) stops exactly at its bound.
        """
        return not self.config.get("end_date") and self.config.get("end_boundary", "none") == "none"

    @classmethod
    @override
    def invoke(cls, **kwargs: t.Any) -> None:  # type: ignore[override]
        try:
            super().invoke(**kwargs)
        except (json.JSONDecodeError, simplejson.JSONDecodeError) as error:
            cls.logger.error("A --state or --catalog file is not valid JSON: %s", error)
            raise SystemExit(1) from None
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
