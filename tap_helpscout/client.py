"""The base stream: what every Help Scout request shares.

URL, authentication, HAL paging, error mapping and record shaping live here, so that the stream
modules are declarations.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime
import functools
import logging
import random
import re
import time
import typing as t
from http import HTTPStatus
from urllib.parse import ParseResult, urlparse

import backoff
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import BaseHATEOASPaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import PageContext
from typing_extensions import override

from tap_helpscout.errors import (
    AccessForbiddenError,
    CredentialsRefusedError,
    HelpScoutAPIError,
    RateLimitedError,
    ResourceGoneError,
    TokenExpiredError,
)
from tap_helpscout.naming import snake_case, snake_case_schema
from tap_helpscout.pacing import retry_after_seconds
from tap_helpscout.progress import Progress
from tap_helpscout.records import RecordShaper
from tap_helpscout.windows import (
    ServerClock,
    Window,
    WindowPlanner,
    format_time,
    parse_time,
)

if t.TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest

    from tap_helpscout.auth import ClientCredentialsAuthenticator
    from tap_helpscout.pacing import RequestPacer
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
    #: For a child stream: the record key (API case) that carries its parent's id, and the
    #: context key the id comes from, e.g. ("mailboxId", "mailbox_id").
    parent_id_field: t.ClassVar[tuple[str, str] | None] = None
    #: The record shaper already gives every record the schema's keys and types (timestamps as
    #: RFC 3339 UTC, undeclared keys left out), so the SDK's second pass over every value of
    #: every record would only cost time.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    #: Tries per request, the first one included, before a retriable error stops the run.
    #: When set (the credentials check does), overrides the `max_retries` setting.
    max_request_tries: int | None = None

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream, with keys and schema in the case the config asks for."""
        self.snake_case_keys = tap.config.get("key_case", "snake_case") == "snake_case"
        rename = snake_case if self.snake_case_keys else str
        schema = snake_case_schema(self.api_schema) if self.snake_case_keys else self.api_schema
        super().__init__(tap=tap, schema=schema)
        self.primary_keys = [rename(key) for key in self.api_primary_keys]
        if self.api_replication_key:
            self.replication_key = rename(self.api_replication_key)
        self._tap_for_auth = tap
        self._pacer: RequestPacer = tap.pacer
        self._server_clock: ServerClock = tap.server_clock
        self._schema_written = False
        self._send: t.Callable[..., requests.Response] | None = None
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
        # Built on first use, so that discovery needs no credentials at all.
        return self._tap_for_auth.authenticator

    @property
    def _auth(self) -> ClientCredentialsAuthenticator:
        return self._tap_for_auth.authenticator

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
        items = embedded.get(self.records_key) if isinstance(embedded, dict) else None
        if isinstance(items, list):
            yield from (item for item in items if isinstance(item, dict))

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        record = self._shape(row)
        if self.parent_id_field is not None:
            field, context_key = self.parent_id_field
            assert context is not None
            record[self.field(field)] = context[context_key]
        return record

    @override
    def build_prepared_request(self, *args: t.Any, **kwargs: t.Any) -> requests.PreparedRequest:
        # The SDK authenticates while preparing, which would fetch the first token outside the
        # retries; the token is added when the request is sent (`_request`, `_send_once`).
        request = requests.Request(*args, **kwargs)
        request.headers.setdefault("User-Agent", self.user_agent)
        self.requests_session.auth = None
        return self.requests_session.prepare_request(request)

    @override
    def validate_response(self, response: requests.Response) -> None:
        self._pacer.observe(response)
        self._server_clock.observe(response.headers.get("Date"))
        status = response.status_code
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise RateLimitedError(
                f"429 from Help Scout for {self._where(response)}", retry_after_seconds(response)
            )
        if status == HTTPStatus.UNAUTHORIZED:
            if self._auth.token_rejected(response.request):
                msg = "Help Scout refused a freshly issued token: check client_id / client_secret"
                raise CredentialsRefusedError(msg)
            msg = f"401 from Help Scout for {self._where(response)}: token expired, renewing it"
            raise TokenExpiredError(msg)
        self._auth.token_accepted()
        if status == HTTPStatus.FORBIDDEN:
            where = response.request.path_url or ""
            reason = _FORBIDDEN_REPORTS if where.startswith("/v2/reports/") else _FORBIDDEN_OTHER
            raise AccessForbiddenError(f"{self.response_error_message(response)}: {reason}")
        if status in {HTTPStatus.MOVED_PERMANENTLY, HTTPStatus.NOT_FOUND}:
            raise ResourceGoneError(f"{status} from Help Scout for {self._where(response)}")
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
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
    def request_decorator(
        self, func: t.Callable[..., requests.Response]
    ) -> t.Callable[..., requests.Response]:
        """Pace every request, wait out 429s, retry errors with backoff, and fail in one line.

        Layers, inside out: the pacer and the 429 loop around each single send (a 429 is waited
        out as the server asks and never spends an error retry); the SDK's backoff around that
        for 5xx, resets, timeouts and bad bodies; and outermost, one clear error once the
        retries are spent.
        """
        retrying = super().request_decorator(self._paced(func))

        @functools.wraps(func)
        def send(prepared: requests.PreparedRequest, context: Context | None) -> requests.Response:
            try:
                return retrying(prepared, context)
            except (RetriableAPIError, requests.RequestException, ConnectionError) as error:
                tries = self.backoff_max_tries()
                msg = (
                    f"Giving up on {prepared.method} {prepared.path_url} after {tries} tries: "
                    f"{_describe(error)}. The STATE emitted so far is safe to resume from."
                )
                raise HelpScoutAPIError(msg) from None

        return send

    def _paced(
        self, func: t.Callable[..., requests.Response]
    ) -> t.Callable[..., requests.Response]:
        limit_in_a_row = 50

        @functools.wraps(func)
        def send(prepared: requests.PreparedRequest, context: Context | None) -> requests.Response:
            for in_a_row in range(1, limit_in_a_row + 1):
                self._pacer.before_request()
                try:
                    return func(prepared, context)
                except TokenExpiredError as expired:
                    # The authenticator has dropped the refused token: the same request goes
                    # again at once with a new one. A new token refused too ends the run.
                    self.logger.info("%s", expired)
                    continue
                except RateLimitedError as limited:
                    wait = limited.wait if limited.wait is not None else min(2.0**in_a_row, 60.0)
                    self.logger.warning(
                        "Rate limit reached (429) for %s %s; waiting %.1f s as %s",
                        prepared.method,
                        prepared.path_url,
                        wait,
                        "Help Scout asked" if limited.wait is not None else "a guess: no header",
                    )
                    self._pacer.hold(wait)
            msg = f"Help Scout answered 429 {limit_in_a_row} times in a row for {prepared.path_url}"
            raise HelpScoutAPIError(msg)

        return send

    @override
    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        first = float(self.config.get("retry_wait_seconds", 2.0))
        return backoff.expo(base=2, factor=first, max_value=max(first, 60.0))

    @override
    def backoff_max_tries(self) -> int:
        if self.max_request_tries is not None:
            return self.max_request_tries
        return int(self.config.get("max_retries", 6)) + 1

    @override
    def backoff_jitter(self, value: float) -> float:
        # A quarter either way: enough to spread retries out, small enough for short test waits.
        return min(value * random.uniform(0.75, 1.25), 60.0)  # noqa: S311

    @override
    def backoff_handler(self, details: Details) -> None:
        error = details.get("exception")
        self.logger.warning(
            "Retrying in %.1f s (try %d of %d): %s",
            details.get("wait") or 0.0,
            details.get("tries", 0) + 1,
            self.backoff_max_tries(),
            _describe(error) if isinstance(error, BaseException) else "unknown error",
        )

    @property
    @override
    def timeout(self) -> int:
        return int(self.config.get("request_timeout_seconds", 60))

    def read_first_page(self) -> int:
        """Request the page a sync would request first; return how many records it holds.

        The request comes from the stream's own `get_http_request`, with the same URL,
        parameters, token and error mapping as a run. Nothing is emitted and no bookmark moves.
        """
        return sum(1 for _ in self.parse_response(self.send_page_request(None, None)))

    def send_page_request(self, context: Context | None, token: t.Any) -> requests.Response:
        """Send the stream's request for one page (the first when `token` is None).

        Built by the stream's own `get_http_request`; sent with the token, pacing, retries and
        error mapping of every request. Safe to call from a worker thread.
        """
        request = self.get_http_request(
            page=PageContext(stream_context=context, next_page_token=token)
        )
        prepared = self.build_prepared_request(
            method=request.method,
            url=request.url,
            params=request.encode_params(),
            headers=request.headers,
            data=request.data,
        )
        if self._send is None:
            self._send = self.request_decorator(self._send_once)
        return self._send(prepared, context)

    def _send_once(
        self, prepared: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        response = self.requests_session.send(
            self.authenticator(prepared), timeout=self.timeout, allow_redirects=self.allow_redirects
        )
        self.validate_response(response)
        return response


def _describe(error: BaseException) -> str:
    """One line about a failed request, without a URL's query or a body."""
    if isinstance(error, RetriableAPIError):
        return str(error).splitlines()[0]
    if isinstance(error, requests.Timeout):
        return "no answer within the request timeout"
    if isinstance(error, (requests.ConnectionError, ConnectionError)):
        return "the connection failed or was reset"
    return type(error).__name__


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


@dataclasses.dataclass
class Page:
    """One page of a window: its raw records and what it says about the whole result."""

    records: list[dict[str, t.Any]]
    total_elements: int
    total_pages: int
    links: dict[str, t.Any]


# Date headers have whole seconds: keep this far from the server's "now".
CLOCK_MARGIN = datetime.timedelta(seconds=2)
_PAGE_PARAMETER = re.compile(r"([?&]page=)\d+")


class WindowReader(HelpScoutStream):
    """Reads every record of a time window of a live, paged result, whatever changes meanwhile.

    Help Scout pages are offsets into a live result. A window (a, b] that ends before the read
    starts can only lose members while it is read (a change moves a conversation to "now", past
    b; deletions and merges remove it), never gain any. Losing a member shifts every later
    record one place towards the first page. So a window is read from its last page down to
    page 2, after its first page (which tells how many pages there are): a shift then moves a
    record into a page still to be read, never into one already read, except across the
    boundary of page 1 and 2, which is re-read when the page 2 answer reports fewer records in
    the window than page 1 did. "Now" is the server's, from its `Date` header.

    Pages read ahead: to keep a few requests in flight, pages N down to 2 are requested in that
    order but up to `max_parallel_requests` at once, and the server may then answer them in any
    order, so the argument above no longer holds within a group in flight. What still holds:
    members only ever leave, so totalElements never grows, and when every page of the read
    reports page 1's totalElements, no member left between the first and the last answer: all
    pages were cut from one and the same list, and together they hold all of it. When any page
    reports fewer, the window is read again one page at a time in the order above, which is
    complete on its own; records already emitted are not emitted twice.
    """

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream with no window open."""
        super().__init__(tap)
        self._tap_helpscout = tap
        self.window: Window | None = None
        self.progress: Progress | None = None

    def _read_window(
        self, context: Context | None, first: Page
    ) -> t.Generator[dict[str, t.Any], None, bool]:
        """Emit every record of the window whose first page is `first`; say if it shrank.

        See the class docstring for why the pages are read in this order and when the window
        is read again.
        """
        emitted: set[t.Any] = set()

        def new(records: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
            fresh = []
            for record in records:
                key = self.record_key(record)
                if key is None or key not in emitted:
                    emitted.add(key)
                    fresh.append(record)
            if self.progress is not None:
                self.progress.page_read(len(fresh))
            self.page_arrived(context, fresh)
            return fresh

        yield from new(first.records)
        lowest = first.total_elements
        numbers = range(first.total_pages, 1, -1)
        for page in self._pages_ahead(context, first, numbers):
            yield from new(page.records)
            lowest = min(lowest, page.total_elements)
        shrank = lowest < first.total_elements
        if not shrank or first.total_pages <= 1:
            return shrank
        if self._tap_helpscout.parallel_requests == 1 or len(numbers) <= 1:
            # Read one at a time, last to first: only the page 1 / page 2 boundary can have
            # been crossed.
            yield from new(self.fetch_page(context, None).records)
            return shrank
        again = self.fetch_page(context, None)
        yield from new(again.records)
        remaining = again.total_elements
        for number in range(again.total_pages, 1, -1):
            page = self.fetch_page(context, self.page_token(again, number))
            yield from new(page.records)
            remaining = page.total_elements
        if remaining < again.total_elements and again.total_pages > 1:
            yield from new(self.fetch_page(context, None).records)
        return shrank

    def _pages_ahead(
        self, context: Context | None, first: Page, numbers: range
    ) -> t.Iterator[Page]:
        """The pages `numbers` of the window in that order, several requested at once."""
        depth = self._tap_helpscout.parallel_requests
        if depth == 1:
            for number in numbers:
                yield self.fetch_page(context, self.page_token(first, number))
            return
        pool = self._tap_helpscout.request_pool
        waiting: collections.deque[concurrent.futures.Future[Page]] = collections.deque()
        upcoming = iter(numbers)
        try:
            for number in upcoming:
                token = self.page_token(first, number)
                waiting.append(pool.submit(self.fetch_page, context, token))
                if len(waiting) >= depth:
                    break
            while waiting:
                page = waiting.popleft().result()
                number = next(upcoming, 0)
                if number:
                    token = self.page_token(first, number)
                    waiting.append(pool.submit(self.fetch_page, context, token))
                yield page
        finally:
            for future in waiting:
                future.cancel()

    def earliest_time(self, first_record: dict[str, t.Any]) -> datetime.datetime | None:
        """A time no record of the window, whose first raw record this is, changed before.

        None when the stream cannot tell (its pages are not sorted by the window's time).
        Streams sorted ascending by modification time use the first record's creation time:
        nothing is modified before it is created.
        """
        return None

    def record_key(self, record: dict[str, t.Any]) -> t.Hashable | None:
        """What identifies a raw record within a window, so a page read twice emits it once.

        None when the record carries no key: it is then always emitted. (An object's `id()`
        is no key: it is reused as soon as an emitted record is freed.)
        """
        return record.get("id")

    def page_arrived(self, context: Context | None, records: list[dict[str, t.Any]]) -> None:
        """Called with the new records of each page before they are emitted; a hook."""

    def page_token(self, first: Page, number: int) -> t.Any:
        """The request token of page `number`: the server's own link, with that page number."""
        for name in ("last", "next", "self"):
            link = first.links.get(name)
            href = link.get("href") if isinstance(link, dict) else None
            if isinstance(href, str) and _PAGE_PARAMETER.search(href):
                return urlparse(_PAGE_PARAMETER.sub(rf"\g<1>{number}", href, count=1))
        msg = f"Help Scout gave no page links for {self.name} although it reported more pages"
        raise HelpScoutAPIError(msg)

    def fetch_page(self, context: Context | None, token: t.Any) -> Page:
        """Request one page of the current window (the first when `token` is None)."""
        response = self.send_page_request(context, token)
        body = response_body(response)
        total_elements, total_pages = self.page_counts(body)
        links = body.get("_links") if isinstance(body, dict) else None
        return Page(
            list(self.parse_response(response)),
            total_elements,
            total_pages,
            links if isinstance(links, dict) else {},
        )

    def page_counts(self, body: t.Any) -> tuple[int, int]:
        """Records and pages in the whole result, as a HAL page reports them."""
        page = body.get("page") if isinstance(body, dict) else None
        if not isinstance(page, dict):
            return 0, 0
        return _count(page.get("totalElements")), _count(page.get("totalPages"))

    def _now(self) -> datetime.datetime:
        # A little before the server's now: whatever the server changes from here on is
        # stamped after the window's end, so it leaves the window rather than move inside it.
        return self._server_clock.now() - CLOCK_MARGIN


class WindowedStream(WindowReader):
    """A stream read in time windows, whose bookmark is the end of the last finished window.

    Bookmarks: the SDK moves bookmarks from record values and writes STATE whenever it likes,
    including after every child sync. Here records never move the bookmark: it moves only when
    a window's records, and their children, have all been emitted, so any STATE the tap ever
    writes claims finished windows only.

    Drift (see WindowReader): the records that left a window went to times after the sync's
    bound. In a run that reads up to "now", the last window therefore reaches up to the moment
    it is read, and is followed by short catch-up rounds while records keep leaving. The
    bookmark still stops at the sync's bound, so the next run reads the latest state of
    whatever changed meanwhile.
    """

    #: How many catch-up rounds follow the last window while records keep leaving it.
    max_catch_up_rounds = 5

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        start, end = self._starting_time(), self._tap_helpscout.sync_upper_bound
        if start >= end:
            self.logger.info("%s is up to date to %s", self.name, format_time(start))
            return
        planner = WindowPlanner(start, end)
        pacer = self._pacer
        self.progress = Progress(self.name, self.logger, requests_sent=lambda: pacer.requests_sent)
        while (window := planner.next_window()) is not None:
            is_last = window.end >= end and self._tap_helpscout.sync_end_is_open
            # The last window reaches to the moment it is read: see the class docstring.
            self.window = Window(window.start, self._now()) if is_last else window
            probe = self.fetch_page(context, None)
            # The first proposal covers the whole range: its counts are the whole sync's.
            self.progress.expect(probe.total_elements, probe.total_pages)
            if planner.is_too_large(window, probe.total_pages):
                # The page read says where the window's records begin: the empty stretch before
                # them (often years, from an early start date) costs no request of its own.
                floor = self.earliest_time(probe.records[0]) if probe.records else None
                if floor is not None:
                    planner.skip_empty(window, floor - CLOCK_MARGIN, probe.total_pages)
                self.logger.info(
                    "%s: window %s to %s holds %d pages, splitting it",
                    self.name,
                    format_time(window.start),
                    format_time(window.end),
                    probe.total_pages,
                )
                continue
            shrank = yield from self._read_window(context, probe)
            planner.finish(window, probe.total_pages)
            # Never claim more than was read, even when the server's clock is behind ours.
            self._finish_window(Window(window.start, min(window.end, self.window.end)))
            rounds = 0
            while is_last and shrank and rounds < self.max_catch_up_rounds:
                rounds += 1
                # Every change made while the last round was read must fall inside this one.
                time.sleep(CLOCK_MARGIN.total_seconds())
                self.window = Window(self.window.end, self._now())
                self.logger.info(
                    "%s: records changed while read; catch-up round %d from %s",
                    self.name,
                    rounds,
                    format_time(self.window.start),
                )
                shrank = yield from self._read_window(context, self.fetch_page(context, None))
        self.window = None
        self.progress.log(finished=True)

    @override
    def read_first_page(self) -> int:
        # The first window a run would read, from the start date to the sync's upper bound.
        end = self._tap_helpscout.sync_upper_bound
        self.window = Window(min(self._starting_time(), end), end)
        try:
            return super().read_first_page()
        finally:
            self.window = None

    def _starting_time(self) -> datetime.datetime:
        start = parse_time(self.config["start_date"])
        state = self.stream_state
        bookmark = state.get("replication_key_value")
        if bookmark and state.get("replication_key") == self.replication_key:
            lookback = datetime.timedelta(days=int(self.config.get("lookback_days", 0)))
            start = max(start, parse_time(bookmark) - lookback)
        return start

    def _finish_window(self, window: Window) -> None:
        if not self.selected:
            # Read only for its children: its records were not emitted, so a bookmark would
            # make a later run that selects it skip them.
            return
        state = self.stream_state
        end = window.end
        # Windows re-read for the lookback end before the bookmark: it never moves back.
        previous = state.get("replication_key_value")
        if previous and state.get("replication_key") == self.replication_key:
            end = max(end, parse_time(previous))
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = format_time(end)
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


def _count(value: t.Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def created_at(record: dict[str, t.Any]) -> datetime.datetime | None:
    """A raw record's `createdAt`, or None when it has none that parses."""
    value = record.get("createdAt")
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


class ModifiedAtStream(WindowedStream):
    """Windows of Help Scout's modification time, pages sorted by it, oldest first."""

    @override
    def earliest_time(self, first_record: dict[str, t.Any]) -> datetime.datetime | None:
        # Nothing is modified before it is created.
        return created_at(first_record)

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        assert self.window is not None
        start, end = format_time(self.window.start), format_time(self.window.end)
        return {
            "modifiedSince": start,
            "query": f"(modifiedAt:[{start} TO {end}])",
            "sortField": "modifiedAt",
            "sortOrder": "asc",
        }
