"""Conversations and their threads."""

from __future__ import annotations

import datetime
import json
import logging
import typing as t
from urllib.parse import urlparse

from singer_sdk import metrics
from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import HelpScoutStream, ModifiedAtStream, WindowReader
from tap_helpscout.errors import ResourceGoneError
from tap_helpscout.windows import UTC, Window, format_time

if t.TYPE_CHECKING:
    import datetime
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

    from tap_helpscout.tap import TapHelpScout

# Embedding returns chat bodies shortened (API facts §5.6): such threads are read on their own.
_SHORTENED_WHEN_EMBEDDED = frozenset({"chat", "beaconchat"})

THREAD_SCHEMA = s.record(
    id=s.integer(),
    conversationId=s.integer(),
    type=s.string(),
    status=s.string(),
    state=s.string(),
    action=s.obj(
        type=s.string(),
        text=s.string(),
        # Which entities an action touched ({"user": 520001}, ...): its keys vary with the
        # action, so it is declared as text and the shaper stores the object as JSON text.
        associatedEntities=s.string(),
    ),
    body=s.string(),
    source=s.source(),
    customer=s.person("first", "last", "photoUrl", "email"),
    createdBy=s.person("type", "first", "last", "photoUrl", "email"),
    assignedTo=s.person("type", "first", "last", "photoUrl", "email"),
    savedReplyId=s.integer(),
    linkedConversationId=s.string(),
    to=s.strings(),
    cc=s.strings(),
    bcc=s.strings(),
    createdAt=s.timestamp(),
    openedAt=s.timestamp(),
    rating=s.obj(customerId=s.integer(), rating=s.string(), comments=s.string()),
    scheduled=s.obj(
        scheduledBy=s.integer(),
        sendAsId=s.integer(),
        createdAt=s.timestamp(),
        scheduledFor=s.timestamp(),
        unscheduleOnCustomerReply=s.boolean(),
    ),
    attachments=s.array(
        s.obj(
            id=s.integer(),
            filename=s.string(),
            mimeType=s.string(),
            width=s.integer(),
            height=s.integer(),
            size=s.integer(),
            state=s.string(),
        )
    ),
)


class ThreadHandoff:
    """Threads of the conversations read, held until the threads stream takes them.

    For each conversation: its embedded threads when they are complete, or the request already
    under way for them (threads of several conversations are fetched at once, ahead of the
    records), or nothing when they must be fetched when asked for.

    Contexts carry ids only (the SDK copies them into log lines, and thread bodies must never
    reach a log), so the threads travel beside the context, keyed by conversation id.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._threads: dict[int, Held] = {}

    @staticmethod
    def complete_threads(conversation: dict[str, t.Any]) -> list[dict[str, t.Any]] | None:
        """A conversation's embedded threads when they are all there and whole, else None.

        Anything odd (no usable thread count, threads of the wrong shape) means None: they are
        then read on their own.
        """
        embedded = conversation.get("_embedded")
        threads = embedded.get("threads") if isinstance(embedded, dict) else None
        count = _as_int(conversation.get("threads"))
        if threads is None and count == 0:
            return []
        if not isinstance(threads, list) or count is None or len(threads) < count:
            return None
        for thread in threads:
            if not isinstance(thread, dict) or thread.get("type") in _SHORTENED_WHEN_EMBEDDED:
                return None
        return threads

    def put(
        self,
        conversation: dict[str, t.Any],
        fetch: t.Callable[[int], Future[list[dict[str, t.Any]]]] | None = None,
    ) -> None:
        """Keep a conversation's complete threads, or start `fetch` for them when given."""
        conversation_id = _as_int(conversation.get("id"))
        if conversation_id is None or conversation_id in self._threads:
            return
        threads = self.complete_threads(conversation)
        if threads is None and fetch is not None:
            self._threads[conversation_id] = fetch(conversation_id)
        else:
            self._threads[conversation_id] = threads

    def take(self, conversation_id: int) -> Held:
        """The threads of a conversation, the request under way for them, or None."""
        return self._threads.pop(conversation_id, None)


def _as_int(value: t.Any) -> int | None:
    """An id or a count as the record will carry it (the API may send numbers as text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


Held = t.Union[list[dict[str, t.Any]], "Future[list[dict[str, t.Any]]]", None]


class ConversationsStream(ModifiedAtStream):
    """Conversations, read by the window of their (hidden) modification time."""

    name = "conversations"
    path = "/conversations"
    records_key = "conversations"
    api_primary_keys = ("id",)
    api_replication_key = "modifiedWindowEnd"
    api_schema = s.record(
        id=s.integer(),
        number=s.integer(),
        threads=s.integer(),
        type=s.string(),
        folderId=s.integer(),
        status=s.string(),
        state=s.string(),
        subject=s.string(),
        preview=s.string(),
        mailboxId=s.integer(),
        assignee=s.person("type", "first", "last", "photoUrl", "email"),
        createdBy=s.person("type", "first", "last", "photoUrl", "email"),
        createdAt=s.timestamp(),
        closedBy=s.integer(),
        closedByUser=s.person("type", "first", "last", "photoUrl", "email"),
        closedAt=s.timestamp(),
        userUpdatedAt=s.timestamp(),
        customerWaitingSince=s.obj(
            time=s.timestamp(), friendly=s.string(), latestReplyFrom=s.string()
        ),
        source=s.source(),
        tags=s.array(s.obj(id=s.integer(), color=s.string(), tag=s.string())),
        cc=s.strings(),
        bcc=s.strings(),
        primaryCustomer=s.person("type", "first", "last", "photoUrl", "email"),
        snooze=s.obj(
            snoozedBy=s.integer(), snoozedUntil=s.timestamp(), unsnoozeOnCustomerReply=s.boolean()
        ),
        nextEvent=s.obj(
            time=s.timestamp(),
            eventType=s.string(),
            userId=s.integer(),
            cancelOnCustomerReply=s.boolean(),
        ),
        customFields=s.array(
            s.obj(id=s.integer(), name=s.string(), value=s.string(), text=s.string())
        ),
        # Not an API field: the end of the request window in which Help Scout reported this
        # conversation as modified (its hidden modification time is at or before it).
        modifiedWindowEnd=s.timestamp(),
    )

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream, sharing the tap's thread handoff with the threads stream."""
        super().__init__(tap)
        self._handoff = tap.thread_handoff

    @property
    def _threads_wanted(self) -> bool:
        return any(
            child.selected
            for child in self.child_streams
            if isinstance(child, HelpScoutStream) and child.skipped_because is None
        )

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        # Without `status=all` the API hides pending, closed and spam conversations.
        params = {"status": "all", **super().get_url_params(context, next_page_token)}
        if self.mailbox_ids:
            params["mailbox"] = ",".join(str(mailbox_id) for mailbox_id in self.mailbox_ids)
        if self._threads_wanted:
            params["embed"] = "threads"
        return params

    @override
    def page_arrived(self, context: Context | None, records: list[dict[str, t.Any]]) -> None:
        # Threads that embedding cannot give are requested now, several at once, so they are
        # ready, or nearly, when the threads stream asks for them record by record.
        threads = self._threads_stream
        if threads is None:
            return
        fetch = None
        if self._tap_helpscout.parallel_requests > 1:
            pool = self._tap_helpscout.request_pool

            def fetch(conversation_id: int) -> Future[list[dict[str, t.Any]]]:
                return pool.submit(threads.fetch_threads, conversation_id)

        for record in records:
            self._handoff.put(record, fetch)

    @property
    def _threads_stream(self) -> ConversationThreadsStream | None:
        for child in self.child_streams:
            if isinstance(child, ConversationThreadsStream) and child.selected:
                return child
        return None

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        record = self._shape(row)
        if record.get("id") is None:
            self.logger.warning("Skipping a conversation that has no usable id")
            return None
        assert self.window is not None
        record[self.field("modifiedWindowEnd")] = format_time(self.window.end)
        return record

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        return {"conversation_id": record["id"]}


class ConversationThreadsStream(HelpScoutStream):
    """The threads of every conversation read, taken from the conversation page when complete."""

    name = "conversation_threads"
    path = "/conversations/{conversation_id}/threads"
    records_key = "threads"
    parent_stream_type = ConversationsStream
    # One state entry for the stream, not one per conversation.
    state_partitioning_keys: t.ClassVar[list[str]] = []
    lifted_embedded: t.ClassVar[dict[str, str]] = {"attachments": "attachments"}
    api_schema = THREAD_SCHEMA
    parent_id_field = ("conversationId", "conversation_id")
    # A merged conversation's threads answer 301/404: that is a skipped parent, not a redirect.
    allow_redirects = False

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream, sharing the tap's thread handoff with the conversations stream."""
        super().__init__(tap)
        self._handoff = tap.thread_handoff
        self._run_counter: _RunCounter | None = None

    @override
    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:
        # The SDK announces the sync of every conversation's threads: a line per conversation,
        # 100,000 in a large backfill. The conversations stream's progress lines say more.
        if level == logging.INFO and message.startswith("Beginning sync of"):
            level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    @override
    def get_record_counter(
        self, *, endpoint: str | None = None, log_interval: float = metrics.DEFAULT_LOG_INTERVAL
    ) -> metrics.Counter:
        # One counter for the whole run, logged at its interval, instead of one METRIC line per
        # conversation (with the conversation's id as its context).
        if self._run_counter is None:
            self._run_counter = _RunCounter(
                metrics.Metric.RECORD_COUNT,
                {metrics.Tag.STREAM: self.name},
                log_interval=log_interval,
            )
        return self._run_counter

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        assert context is not None
        conversation_id = context["conversation_id"]
        held = self._handoff.take(conversation_id)
        if isinstance(held, list):
            yield from held
            return
        try:
            threads = held.result() if held is not None else self.fetch_threads(conversation_id)
        except ResourceGoneError as gone:
            self.logger.warning(
                "Skipping the threads of conversation %s: it was merged or deleted (%s)",
                conversation_id,
                gone,
            )
            return
        yield from threads

    def fetch_threads(self, conversation_id: int) -> list[dict[str, t.Any]]:
        """Every thread of one conversation, all pages; safe to call from a worker thread."""
        context = {"conversation_id": conversation_id}
        paginator = self.get_new_paginator()
        token: t.Any = None
        threads: list[dict[str, t.Any]] = []
        while True:
            response = self.send_page_request(context, token)
            threads.extend(self.parse_response(response))
            next_url = paginator.get_next_url(response)
            if next_url is None:
                return threads
            token = urlparse(next_url)


class ConversationIdsStream(WindowReader):
    """The ids of every conversation that exists now, to tell deleted ones apart in the warehouse.

    Help Scout never lists deleted or merged-away conversations, so their rows stay in the
    conversations table. This opt-in stream reads the whole list without threads (one request
    per 25 conversations) by creation time, up to just before the read starts; deletions
    during the read only shrink that window, which the reader tolerates. Its table is replaced
    on each run; a conversation whose id is missing from it is gone from Help Scout.
    """

    name = "conversation_ids"
    path = "/conversations"
    records_key = "conversations"
    selected_by_default = False
    api_primary_keys = ("id",)
    api_schema = s.record(
        id=s.integer(),
        number=s.integer(),
        mailboxId=s.integer(),
        status=s.string(),
        createdAt=s.timestamp(),
    )

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        self.window = Window(_EARLIEST, self._now())
        rows = list(self._read_window(context, self.fetch_page(context, None)))
        self.window = None
        # Like every replaced table: nothing leaves before the whole list has been read.
        yield from rows

    @override
    def read_first_page(self) -> int:
        self.window = Window(_EARLIEST, self._now())
        try:
            return super().read_first_page()
        finally:
            self.window = None

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        assert self.window is not None
        return {
            "status": "all",
            "query": f"(createdAt:[* TO {format_time(self.window.end)}])",
            "sortField": "createdAt",
            "sortOrder": "asc",
        }

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        keep = ("id", "number", "mailboxId", "status", "createdAt")
        return self._shape({key: row.get(key) for key in keep})


_EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=UTC)


class _RunCounter(metrics.Counter):
    """A record counter shared by every conversation's thread sync, logged at its interval."""

    @override
    def with_context(self, value: Context | None) -> None:
        return

    @override
    def __enter__(self) -> _RunCounter:
        return self

    @override
    def exit(self) -> None:
        if self._ready_to_log():
            self._pop()


def _json_text(action: dict[str, t.Any]) -> str | None:
    entities = action.get("associatedEntities")
    return None if entities is None else json.dumps(entities, sort_keys=True)
