"""Conversations and their threads."""

from __future__ import annotations

import datetime
import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import HelpScoutStream, WindowedStream, WindowReader
from tap_helpscout.errors import ResourceGoneError
from tap_helpscout.windows import UTC, Window, format_time

if t.TYPE_CHECKING:
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
    """Threads embedded in a conversation page, held until the threads stream takes them.

    Contexts carry ids only (the SDK copies them into log lines, and thread bodies must never
    reach a log), so the embedded threads travel beside the context, keyed by conversation id.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._threads: dict[int, list[dict[str, t.Any]] | None] = {}

    def put(self, conversation_id: int, count: t.Any, conversation: dict[str, t.Any]) -> None:
        """Keep a conversation's embedded threads, or None when they must be read separately.

        They are complete when there are as many as the conversation's thread count says and
        none of them is a chat, whose body embedding shortens. Anything odd (no count, threads
        of the wrong shape) means they are read separately.
        """
        embedded = conversation.get("_embedded")
        threads = embedded.get("threads") if isinstance(embedded, dict) else None
        if threads is None and count == 0:
            threads = []
        complete = (
            isinstance(threads, list)
            and isinstance(count, int)
            and len(threads) >= count
            and all(
                isinstance(thread, dict) and thread.get("type") not in _SHORTENED_WHEN_EMBEDDED
                for thread in threads
            )
        )
        self._threads[conversation_id] = threads if complete else None

    def take(self, conversation_id: int) -> list[dict[str, t.Any]] | None:
        """The complete embedded threads of a conversation, or None if they must be fetched."""
        return self._threads.pop(conversation_id, None)


class ConversationsStream(WindowedStream):
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
        assert self.window is not None
        start, end = format_time(self.window.start), format_time(self.window.end)
        params: dict[str, t.Any] = {
            # Without `status=all` the API hides pending, closed and spam conversations.
            "status": "all",
            "modifiedSince": start,
            "query": f"(modifiedAt:[{start} TO {end}])",
            "sortField": "modifiedAt",
            "sortOrder": "asc",
        }
        if self.mailbox_ids:
            params["mailbox"] = ",".join(str(mailbox_id) for mailbox_id in self.mailbox_ids)
        if self._threads_wanted:
            params["embed"] = "threads"
        return params

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        record = self._shape(row)
        if record.get("id") is None:
            self.logger.warning("Skipping a conversation that has no usable id")
            return None
        if self._threads_wanted:
            self._handoff.put(record["id"], record.get(self.field("threads")), row)
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
    # A merged conversation's threads answer 301/404: that is a skipped parent, not a redirect.
    allow_redirects = False

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream, sharing the tap's thread handoff with the conversations stream."""
        super().__init__(tap)
        self._handoff = tap.thread_handoff

    @override
    def read_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        assert context is not None
        conversation_id = context["conversation_id"]
        embedded = self._handoff.take(conversation_id)
        if embedded is not None:
            yield from embedded
            return
        try:
            yield from super().read_records(context)
        except ResourceGoneError as gone:
            self.logger.warning(
                "Skipping the threads of conversation %s: it was merged or deleted (%s)",
                conversation_id,
                gone,
            )

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        assert context is not None
        record = self._shape(row)
        record[self.field("conversationId")] = context["conversation_id"]
        return record


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
