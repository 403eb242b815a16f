"""Mailboxes (inboxes) and their folders."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


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

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        assert context is not None
        record = self._shape(row)
        record[self.field("mailboxId")] = context["mailbox_id"]
        return record
