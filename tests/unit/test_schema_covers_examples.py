"""Every key of every example document of the API facts has a typed place in its stream's schema."""

from __future__ import annotations

import copy
import json
import pathlib
import typing as t

import pytest

from tap_helpscout.streams.conversations import ConversationsStream, ConversationThreadsStream
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
from tests.support.schema_check import undeclared

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "helpscout-api" / "examples"

# The only keys of the API that no schema holds, on purpose: a webhook's `secret` signs its
# deliveries, and whoever reads the warehouse must not be able to forge them.
LEFT_OUT: dict[type, frozenset[str]] = {WebhooksStream: frozenset({"secret"})}


def _items(key: str) -> t.Callable[[t.Any], list[dict]]:
    return lambda document: document["_embedded"][key]


def _whole(document: t.Any) -> list[dict]:
    return [document]


def _rating_rows(document: dict) -> list[dict]:
    rows = document.get("results", [document])
    renamed = []
    for row in rows:
        row = dict(row)
        row["conversationId"], row["threadId"] = row.pop("id"), row.pop("threadid")
        renamed.append(row)
    return renamed


def _members(document: dict) -> list[dict]:
    # A member's `id` is the user's: the stream calls it `userId` and adds `teamId`.
    return [
        {"teamId": 1, "userId": user["id"], **{k: v for k, v in user.items() if k != "id"}}
        for user in document["_embedded"]["users"]
    ]


# (example file, stream, how to find its objects)
CASES: list[tuple[str, type, t.Callable[[t.Any], list[dict]]]] = [
    ("conversation.json", ConversationsStream, _whole),
    ("conversations_list_page.json", ConversationsStream, _items("conversations")),
    ("conversation_thread.json", ConversationThreadsStream, _whole),
    ("conversation_thread_lineitem.json", ConversationThreadsStream, _whole),
    ("conversation_thread_message_rated.json", ConversationThreadsStream, _whole),
    ("customer.json", CustomersStream, _whole),
    ("customers_v3_page.json", CustomersStream, _items("customers")),
    ("mailbox.json", MailboxesStream, _whole),
    ("mailbox_folder.json", MailboxFoldersStream, _whole),
    ("mailbox_field.json", MailboxFieldsStream, _whole),
    ("saved_replies_list.json", SavedRepliesStream, lambda d: d),
    ("saved_reply.json", SavedRepliesStream, _whole),
    ("user.json", UsersStream, _whole),
    ("team_members_page.json", UsersStream, _items("users")),
    ("team_members_page.json", TeamMembersStream, _members),
    ("team.json", TeamsStream, _whole),
    ("tag.json", TagsStream, _whole),
    ("workflow.json", WorkflowsStream, _whole),
    ("webhook.json", WebhooksStream, _whole),
    ("organization.json", OrganizationsStream, _whole),
    ("customer_properties_list.json", CustomerPropertiesStream, _items("customer-properties")),
    ("happiness_rating.json", HappinessRatingsReportStream, _rating_rows),
    ("happiness_ratings_report_page.json", HappinessRatingsReportStream, _rating_rows),
]

# Example files that are no stream's records, and why.
NOT_A_STREAM = {
    "customer_sub_entries_list.json": "a customer sub-resource; its entries come embedded",
    "empty_list_page.json": "an empty page holds no record",
    "error_rate_limited_429.json": "an error",
    "error_token_invalid_refresh.json": "an error",
    "error_validation.json": "an error",
    "rating.json": "a single rating: the API has no list of them",
    "report_company_overall.json": "an aggregate report, not read by the tap",
    "token_authorization_code.json": "a token",
    "token_client_credentials.json": "a token",
    "user_me.json": "the token's own user, a connection check",
}


def problems(stream: type, obj: dict) -> list[str]:
    """What `stream`'s schema has no place for in the raw API object `obj`."""
    obj = copy.deepcopy(obj)
    for key in LEFT_OUT.get(stream, ()):
        obj.pop(key, None)
    # `associatedEntities` is stored as JSON text (its keys vary with the action).
    action = obj.get("action")
    if stream is ConversationThreadsStream and isinstance(action, dict):
        action["associatedEntities"] = json.dumps(action.get("associatedEntities"))
    return undeclared(
        obj,
        stream.api_schema,
        lifted=stream.lifted_embedded,
        elsewhere={"threads"} if stream is ConversationsStream else (),
    )


@pytest.mark.parametrize(
    ("example", "stream", "objects_of"),
    CASES,
    ids=[f"{example}-{stream.name}" for example, stream, _ in CASES],
)
def test_example_fits_its_stream_schema(
    example: str, stream: type, objects_of: t.Callable[[t.Any], list[dict]]
) -> None:
    document = json.loads((EXAMPLES / example).read_text())
    objects = objects_of(document)
    assert objects
    for obj in objects:
        assert problems(stream, obj) == []


def test_every_example_is_checked_or_said_to_be_no_stream() -> None:
    files = {path.name for path in EXAMPLES.glob("*.json")}
    checked = {example for example, _, _ in CASES}
    assert not checked & set(NOT_A_STREAM)
    assert files == checked | set(NOT_A_STREAM)


def test_the_webhook_secret_is_the_one_key_left_out() -> None:
    webhook = json.loads((EXAMPLES / "webhook.json").read_text())
    webhook["secret"] = "0f3e2d1c"
    assert problems(WebhooksStream, webhook) == []
    assert "secret" not in WebhooksStream.api_schema["properties"]
    assert undeclared(webhook, WebhooksStream.api_schema) == ["$.secret: not in the schema"]
    assert {WebhooksStream: frozenset({"secret"})} == LEFT_OUT


def test_a_planted_unknown_key_is_caught_at_any_depth() -> None:
    conversation = json.loads((EXAMPLES / "conversation.json").read_text())
    conversation["customerWaitingSince"]["plantedKey"] = 1
    conversation["tags"][0]["anotherPlanted"] = "x"
    found = problems(ConversationsStream, conversation)
    assert "$.customerWaitingSince.plantedKey: not in the schema" in found
    assert "$.tags[0].anotherPlanted: not in the schema" in found
    field = json.loads((EXAMPLES / "mailbox_field.json").read_text())
    field["options"][1]["planted"] = True
    assert problems(MailboxFieldsStream, field) == ["$.options[1].planted: not in the schema"]


def test_a_type_the_schema_does_not_allow_is_caught() -> None:
    customer = json.loads((EXAMPLES / "customer.json").read_text())
    customer["_embedded"]["address"]["lines"] = "one line, not a list"
    assert problems(CustomersStream, customer) == [
        "$.address.lines: str where the schema says ['array', 'null']"
    ]
