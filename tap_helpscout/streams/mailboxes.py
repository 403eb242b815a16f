"""Mailboxes (inboxes) and their folders."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_helpscout.tap import TapHelpScout


class MailboxesStream(FullTableStream):
    """Every mailbox (inbox) the credentials can see."""

    name = "mailboxes"
    path = "/mailboxes"
    records_key = "mailboxes"
    api_schema = s.record(
        id=s.integer(),
        name=s.string(),
        slug=s.string(),
        email=s.string(),
        createdAt=s.timestamp(),
        updatedAt=s.timestamp(),
    )

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        mailboxes = self.read_whole(context)
        # Every mailbox's folders are read before a single mailbox or folder is emitted, so a
        # failure between two mailboxes cannot leave a folders table holding only some of them.
        for child in self.child_streams:
            if isinstance(child, MailboxFoldersStream) and (
                child.selected or child.has_selected_descendents
            ):
                child.prefetch(mailbox["id"] for mailbox in mailboxes)
        self.write_schema_now()
        yield from mailboxes

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        return {"mailbox_id": record["id"]}


class MailboxFoldersStream(FullTableStream):
    """The folders of each mailbox, with their conversation counts."""

    name = "mailbox_folders"
    path = "/mailboxes/{mailbox_id}/folders"
    records_key = "folders"
    parent_stream_type = MailboxesStream
    state_partitioning_keys: t.ClassVar[list[str]] = []
    api_schema = s.record(
        id=s.integer(),
        mailboxId=s.integer(),
        name=s.string(),
        type=s.string(),
        userId=s.integer(),
        totalCount=s.integer(),
        activeCount=s.integer(),
        updatedAt=s.timestamp(),
    )

    def __init__(self, tap: TapHelpScout) -> None:
        """Create the stream with no folders read yet."""
        super().__init__(tap)
        self._prefetched: dict[int, list[dict[str, t.Any]]] = {}

    def prefetch(self, mailbox_ids: t.Iterable[int]) -> None:
        """Read the folders of every mailbox now; emit them later, mailbox by mailbox."""
        self._prefetched = {
            mailbox_id: self.read_whole({"mailbox_id": mailbox_id}) for mailbox_id in mailbox_ids
        }
        self.write_schema_now()

    @override
    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        assert context is not None
        yield from self._prefetched.pop(context["mailbox_id"], [])

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        assert context is not None
        record = self._shape(row)
        record[self.field("mailboxId")] = context["mailbox_id"]
        return record
