"""Mailboxes (inboxes) and what each one holds: folders, custom fields, saved replies."""

from __future__ import annotations

import typing as t

import requests
from singer_sdk.pagination import SinglePagePaginator
from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream, response_body

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class MailboxesStream(FullTableStream):
    """Every mailbox (inbox) the credentials can see, or those of `mailbox_ids`."""

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
    def read_whole(self, context: Context | None) -> list[dict[str, t.Any]]:
        mailboxes = super().read_whole(context)
        wanted = self.mailbox_ids
        if not wanted:
            return mailboxes
        # The API has no filter on this list, and an unknown id is no error of the API's: the
        # log names the configured ids that the credentials do not see.
        found = {mailbox.get("id") for mailbox in mailboxes}
        if missing := [mailbox_id for mailbox_id in wanted if mailbox_id not in found]:
            self.logger.warning(
                "mailbox_ids: no mailbox with id %s among the %d these credentials see",
                ", ".join(str(mailbox_id) for mailbox_id in missing),
                len(mailboxes),
            )
        return [mailbox for mailbox in mailboxes if mailbox.get("id") in wanted]

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        return {"mailbox_id": record["id"]}


class MailboxChildStream(FullTableStream):
    """A list that belongs to one mailbox; its records carry the mailbox's id."""

    parent_stream_type = MailboxesStream
    state_partitioning_keys: t.ClassVar[list[str]] = []
    parent_id_field = ("mailboxId", "mailbox_id")


class MailboxFoldersStream(MailboxChildStream):
    """The folders of each mailbox, with their conversation counts."""

    name = "mailbox_folders"
    path = "/mailboxes/{mailbox_id}/folders"
    records_key = "folders"
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


class MailboxFieldsStream(MailboxChildStream):
    """The custom fields of each mailbox, with the options of dropdown fields."""

    name = "mailbox_fields"
    path = "/mailboxes/{mailbox_id}/fields"
    records_key = "fields"
    api_schema = s.record(
        id=s.integer(),
        mailboxId=s.integer(),
        name=s.string(),
        type=s.string(),
        order=s.integer(),
        required=s.boolean(),
        options=s.array(s.obj(id=s.integer(), order=s.integer(), label=s.string())),
    )


class SavedRepliesStream(MailboxChildStream):
    """The saved replies of each mailbox; their full text only when `saved_reply_text` is set."""

    name = "saved_replies"
    path = "/mailboxes/{mailbox_id}/saved-replies"
    api_schema = s.record(
        id=s.integer(),
        mailboxId=s.integer(),
        name=s.string(),
        preview=s.string(),
        chatPreview=s.string(),
        # Only the single reply carries these: one request per reply, off by default.
        text=s.string(),
        chatText=s.string(),
    )

    @override
    def get_new_paginator(self) -> SinglePagePaginator:  # type: ignore[override]
        # The list is a bare JSON array, all replies at once: no page object, no links.
        return SinglePagePaginator()

    @override
    def get_url(self, context: Context | None) -> str:
        url = super().get_url(context)
        if context and "reply_id" in context:
            url += f"/{int(context['reply_id'])}"
        return url

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        if context and "reply_id" in context:
            return {}
        return {"includeChatReplies": "true"}

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        body = response_body(response)
        items = body if isinstance(body, list) else [body]
        yield from (item for item in items if isinstance(item, dict))

    @override
    def read_whole(self, context: Context | None) -> list[dict[str, t.Any]]:
        replies = super().read_whole(context)
        if not self.config.get("saved_reply_text", False):
            return replies
        assert context is not None
        whole = []
        for reply in replies:
            single = next(iter(self.request_records({**context, "reply_id": reply["id"]})), {})
            texts = {key: single.get(key) for key in ("text", "chatText")}
            whole.append({**reply, **texts})
        return whole
