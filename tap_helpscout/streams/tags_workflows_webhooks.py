"""Tags, workflows and webhooks: how the account organises and automates its conversations."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_helpscout import schema as s
from tap_helpscout.client import FullTableStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class TagsStream(FullTableStream):
    """Every tag of the account, with the number of conversations tagged."""

    name = "tags"
    path = "/tags"
    records_key = "tags"
    api_schema = s.record(
        id=s.integer(),
        # The tags list calls the label `name`; a conversation's tags call it `tag`.
        name=s.string(),
        slug=s.string(),
        color=s.string(),
        ticketCount=s.integer(),
        createdAt=s.timestamp(),
        updatedAt=s.timestamp(),
    )


class WorkflowsStream(FullTableStream):
    """The manual and automatic workflows of every mailbox, or of those of `mailbox_ids`."""

    name = "workflows"
    path = "/workflows"
    records_key = "workflows"
    api_schema = s.record(
        id=s.integer(),
        mailboxId=s.integer(),
        type=s.string(),
        status=s.string(),
        order=s.integer(),
        name=s.string(),
        createdAt=s.timestamp(),
        # Workflows say `modifiedAt` where everything else says `updatedAt`.
        modifiedAt=s.timestamp(),
    )

    @override
    def read_whole(self, context: Context | None) -> list[dict[str, t.Any]]:
        if not self.mailbox_ids:
            return super().read_whole(context)
        # `mailboxId` takes one mailbox: one list per configured mailbox.
        workflows = []
        for mailbox_id in self.mailbox_ids:
            workflows += super().read_whole({"mailbox_id": mailbox_id})
        return workflows

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"mailboxId": context["mailbox_id"]} if context else {}


class WebhooksStream(FullTableStream):
    """The account's webhooks: where Help Scout sends which events (never their secret)."""

    name = "webhooks"
    path = "/webhooks"
    records_key = "webhooks"
    api_schema = s.record(
        id=s.integer(),
        url=s.string(),
        state=s.string(),
        events=s.strings(),
        notification=s.boolean(),
        payloadVersion=s.string(),
        label=s.string(),
        mailboxIds=s.array({"type": ["integer"]}),
    )

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        # The secret signs the webhook's deliveries: whoever reads the warehouse could forge
        # them. It is left out of the schema and dropped here, before anything else sees it.
        return self._shape({key: value for key, value in row.items() if key != "secret"})
