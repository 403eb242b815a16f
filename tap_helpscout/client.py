"""The base stream: what every Help Scout request shares.

URL, authentication, HAL paging, error mapping and record shaping live here, so that the stream
modules are declarations.
"""

from __future__ import annotations

import datetime
import logging
import typing as t
from http import HTTPStatus
from urllib.parse import ParseResult

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_helpscout.errors import (
    AccessForbiddenError,
    CredentialsRefusedError,
    ResourceGoneError,
)
from tap_helpscout.naming import snake_case, snake_case_schema
from tap_helpscout.records import RecordShaper
from tap_helpscout.windows import Window, WindowPlanner, format_time, parse_time

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext

    from tap_helpscout.auth import ClientCredentialsAuthenticator
    from tap_helpscout.tap import TapHelpScout

_BODY_ATTRIBUTE = "_helpscout_body"

# Why Help Scout refuses a valid token (API facts 1.1, 1.3); the 403 body is not documented.
_FORBIDDEN_REPORTS = "the Reports API needs the Plus or Pro plan"
_FORBIDDEN_OTHER = "the app's user may not read this list (some lists need an administrator)"


def response_body(response: requests.Response) -> t.Any:
    """The decoded JSON body of a response, parsed once however many times it is asked for."""
    if not hasattr(response, _BODY_ATTRIBUTE):
        try:
            body = response.json()
        except ValueError:
            # A 200 with a cut-off or non-JSON body is a transient fault of the API or the
            # network, not data: retry the request.
            msg = f"Help Scout sent a body that is not JSON for {response.request.path_url}"
            raise RetriableAPIError(msg, response) from None
        setattr(response, _BODY_ATTRIBUTE, body)
    return getattr(response, _BODY_ATTRIBUTE)


class HalPaginator(BaseHATEOASPaginator):
    """Follows `_links.next.href` verbatim until it is absent or the last page is reached.

    Expanding the `page` link template by hand breaks on queries that hold quotes, and adding
    parameters to the next link would send them twice; the server's own link is the safe path.
    """

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        body = response_body(response)
        if not isinstance(body, dict):
            return None
        page = body.get("page")
        if isinstance(page, dict):
            number, total = page.get("number") or 0, page.get("totalPages") or 0
            if number >= total:
                return None
        link = (body.get("_links") or {}).get("next") or {}
        href = link.get("href") if isinstance(link, dict) else None
        return href if isinstance(href, str) and href else None


class HelpScoutStream(RESTStream[t.Any]):
    """A Help Scout list endpoint as a stream of records."""

    #: Key of the record list inside `_embedded` (`conversations`, `customer-properties`...).
    records_key: str = ""
    #: The record schema with the API's own camelCase names.
    api_schema: t.ClassVar[dict[str, t.Any]]
    #: Parts of `_embedded` that become ordinary columns, by their key in `_embedded`.
    lifted_embedded: t.ClassVar[dict[str, str]] = {}
    #: Key names declared in API case; converted with the schema.
    api_primary_keys: t.ClassVar[tuple[str, ...]] = ("id",)
    api_replication_key: t.ClassVar[str | None] = None

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream, with keys and schema in the case the config asks for."""
        self.snake_case_keys = tap.config.get("key_case", "snake_case") == "snake_case"
        rename = snake_case if self.snake_case_keys else str
        schema = snake_case_schema(self.api_schema) if self.snake_case_keys else self.api_schema
        super().__init__(tap=tap, schema=schema)
        self.primary_keys = [rename(key) for key in self.api_primary_keys]
        if self.api_replication_key:
            self.replication_key = rename(self.api_replication_key)
        self._auth = tap.authenticator
        self._schema_written = False
        #: Why the stream stopped in this run (a 403), or None while it may run.
        self.skipped_because: str | None = None
        self._shape = RecordShaper(
            self.api_schema,
            snake_case_keys=self.snake_case_keys,
            lifted=self.lifted_embedded,
        )

    @override
    def _write_schema_message(self) -> None:
        # The SDK writes SCHEMA when a sync starts, before a single request, and for a child
        # stream once per parent record. Here SCHEMA leaves once per run, just before the
        # stream's first record or at its end (see `get_records`), so a stream refused at its
        # first request sends nothing at all and the loader leaves its table alone.
        return

    def write_schema_now(self) -> None:
        """Write this stream's SCHEMA message, unless it was written already in this run."""
        if self.selected and not self._schema_written:
            self._schema_written = True
            super()._write_schema_message()

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        if self.skipped_because is not None:
            return
        try:
            for row in self.read_records(context):
                self.write_schema_now()
                yield row
        except AccessForbiddenError as error:
            self.skip_forbidden(error)
            return
        self.write_schema_now()

    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """The stream's raw records; streams that read in their own way override this."""
        yield from self.request_records(context)

    def skip_forbidden(self, error: AccessForbiddenError) -> None:
        """Give up this stream for the rest of the run after a 403, or fail the run if asked.

        Raises:
            AccessForbiddenError: `error` itself, when `fail_on_forbidden` is set.
        """
        if self.config.get("fail_on_forbidden", False):
            raise error
        if self.skipped_because is None:
            self.logger.warning(
                "Skipping stream '%s': %s. Its table is left as it was; set "
                "fail_on_forbidden to make this fail the run.",
                self.name,
                error,
            )
        self.skipped_because = str(error)

    @property
    def mailbox_ids(self) -> list[int]:
        """The mailboxes the run is limited to (`mailbox_ids`), or [] for every mailbox."""
        return sorted({int(mailbox_id) for mailbox_id in self.config.get("mailbox_ids") or []})

    def note_total_pages(self, total_pages: t.Any) -> None:
        """Hook for streams that size their requests by the API's page count."""

    def field(self, api_name: str) -> str:
        """The record key of an API field in the configured key case."""
        return snake_case(api_name) if self.snake_case_keys else api_name

    @property
    @override
    def url_base(self) -> str:
        return f"{self.config['api_url'].rstrip('/')}/v2"

    @property
    @override
    def authenticator(self) -> ClientCredentialsAuthenticator:
        return self._auth

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        return {"Accept": "application/hal+json, application/json"}

    @override
    def get_new_paginator(self) -> HalPaginator:
        return HalPaginator()

    @override
    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        if isinstance(page.next_page_token, ParseResult):
            request.url = page.next_page_token.geturl()
            request.params = {}
        return request

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        body = response_body(response)
        embedded = body.get("_embedded") if isinstance(body, dict) else None
        # An empty page has no `_embedded` at all.
        if isinstance(body, dict) and isinstance(body.get("page"), dict):
            self.note_total_pages(body["page"].get("totalPages"))
        items = embedded.get(self.records_key) if isinstance(embedded, dict) else None
        if isinstance(items, list):
            yield from (item for item in items if isinstance(item, dict))

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        return self._shape(row)

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == HTTPStatus.UNAUTHORIZED:
            if self._auth.token_rejected(response.request):
                msg = "Help Scout refused a freshly issued token: check client_id / client_secret"
                raise CredentialsRefusedError(msg)
            msg = f"401 from Help Scout for {self._where(response)}: token expired, renewing it"
            raise RetriableAPIError(msg, response)
        self._auth.token_accepted()
        if status == HTTPStatus.FORBIDDEN:
            where = response.request.path_url or ""
            reason = _FORBIDDEN_REPORTS if where.startswith("/v2/reports/") else _FORBIDDEN_OTHER
            raise AccessForbiddenError(f"{self.response_error_message(response)}: {reason}")
        if status in {HTTPStatus.MOVED_PERMANENTLY, HTTPStatus.NOT_FOUND}:
            raise ResourceGoneError(f"{status} from Help Scout for {self._where(response)}")
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(self.response_error_message(response), response)
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(self.response_error_message(response))
        response_body(response)

    @override
    def response_error_message(self, response: requests.Response) -> str:
        # One line, no body: an error body may echo request data, and the message ends up in
        # logs that many people read.
        return (
            f"{response.status_code} {response.reason} from Help Scout for {self._where(response)}"
        )

    @staticmethod
    def _where(response: requests.Response) -> str:
        request = response.request
        return f"{request.method} {request.path_url}"

    @override
    def backoff_max_tries(self) -> int:
        return 8


logging.getLogger("backoff").setLevel(logging.ERROR)


class FullTableStream(HelpScoutStream):
    """A small list read whole on every run; the loader replaces its table with what was read.

    The loader swaps in whatever a stream sent as soon as its input ends, also when the tap
    failed or was killed, and a SCHEMA with no records empties the table. So neither SCHEMA nor
    records leave before the whole list has been read: a run that fails while reading sends
    nothing for the stream, and its table stays as it was.

    A child list (the folders of each mailbox, the members of each team) is read for every
    parent before the parent's first record leaves, for the same reason: a failure between two
    parents must not leave a table holding the lists of only some of them.
    """

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream with nothing read ahead yet."""
        super().__init__(tap)
        self._read_ahead: dict[tuple[tuple[str, t.Any], ...], list[dict[str, t.Any]]] = {}

    def read_whole(self, context: Context | None) -> list[dict[str, t.Any]]:
        """Every record of the list (of one parent, for a child stream), all pages read."""
        return list(self.request_records(context))

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        key = _context_key(context)
        if self.parent_stream_type is not None and key in self._read_ahead:
            yield from self._read_ahead.pop(key)
            return
        # A top-level list, or the list of a parent that does not read its children ahead.
        rows = self.read_whole(context)
        self.read_children_ahead(rows)
        yield from rows

    def read_children_ahead(self, rows: list[dict[str, t.Any]]) -> None:
        """Read the whole lists of every full-table child stream, for every parent in `rows`."""
        children = [
            child
            for child in self.child_streams
            if isinstance(child, FullTableStream)
            and (child.selected or child.has_selected_descendents)
        ]
        if not children:
            return
        contexts = [self.get_child_context(row, None) for row in rows]
        for child in children:
            child.read_ahead(contexts)

    def read_ahead(self, contexts: list[Context | None]) -> None:
        """Read this child's list for every parent now; it is emitted parent by parent later."""
        if self.skipped_because is not None:
            return
        try:
            read = {_context_key(context): self.read_whole(context) for context in contexts}
        except AccessForbiddenError as error:
            self.skip_forbidden(error)
            return
        self._read_ahead = read
        rows = [row for part in read.values() for row in part]
        self.read_children_ahead(rows)


def _context_key(context: t.Mapping[str, t.Any] | None) -> tuple[tuple[str, t.Any], ...]:
    return tuple(sorted((context or {}).items()))


class WindowedStream(HelpScoutStream):
    """A stream read in time windows, whose bookmark is the end of the last finished window.

    The SDK moves bookmarks from record values and writes STATE whenever it likes, including
    after every child sync. Here records never move the bookmark: it moves only when a window's
    records, and their children, have all been emitted, so any STATE the tap ever writes claims
    finished windows only.
    """

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream; the sync's upper bound is fixed once for the whole run."""
        super().__init__(tap)
        self._tap_helpscout = tap
        self.window: Window | None = None
        self._total_pages = 0

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        start, end = self._starting_time(), self._tap_helpscout.sync_upper_bound
        if start >= end:
            self.logger.info("%s is up to date to %s", self.name, format_time(start))
            return
        planner = WindowPlanner(start, end)
        while (window := planner.next_window()) is not None:
            self.window = window
            self._total_pages = 0
            pages = t.cast(
                "t.Generator[dict[str, t.Any], None, None]", self.request_records(context)
            )
            first = next(pages, None)
            if planner.is_too_large(window, self._total_pages):
                pages.close()
                self.logger.info(
                    "%s: window %s to %s holds %d pages, splitting it",
                    self.name,
                    format_time(window.start),
                    format_time(window.end),
                    self._total_pages,
                )
                continue
            if first is not None:
                yield first
                yield from pages
            planner.finish(window, self._total_pages)
            self._finish_window(window)
        self.window = None

    def note_total_pages(self, total_pages: t.Any) -> None:
        """Keep the page count the API reported for the window being read."""
        if isinstance(total_pages, int) and total_pages > self._total_pages:
            self._total_pages = total_pages

    def _starting_time(self) -> datetime.datetime:
        start = parse_time(self.config["start_date"])
        state = self.stream_state
        bookmark = state.get("replication_key_value")
        if bookmark and state.get("replication_key") == self.replication_key:
            start = max(start, parse_time(bookmark))
        return start

    def _finish_window(self, window: Window) -> None:
        state = self.stream_state
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = format_time(window.end)
        # The SDK has no public call to write STATE now; this is its own writer, which also
        # skips a message when nothing changed.
        self.state_manager.is_flushed = False
        self._write_state_message()

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        # Bookmarks move by finished windows (see `_finish_window`), never by record values:
        # conversations carry no modification time at all.
        return
