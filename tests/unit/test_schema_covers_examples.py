"""Every key of every example document of the API facts has a typed place in its stream's schema."""

from __future__ import annotations

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
from tests.support.schema_check import (
    LEFT_OUT,
    rating_rows,
    stream_problems,
    team_members,
    undeclared,
)

# Copies of the example documents of the API facts (shared/helpscout-api/examples).
EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "api_examples"


def _items(key: str) -> t.Callable[[t.Any], list[dict]]:
    return lambda document: document["_embedded"][key]


def _whole(document: t.Any) -> list[dict]:
    return [document]


def _rating_rows(document: dict) -> list[dict]:
    return rating_rows(document.get("results", [document]))


def _members(document: dict) -> list[dict]:
    return team_members(1, document["_embedded"]["users"])


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
        assert stream_problems(stream, obj) == []


def test_every_example_is_checked_or_said_to_be_no_stream() -> None:
    files = {path.name for path in EXAMPLES.glob("*.json")}
    checked = {example for example, _, _ in CASES}
    assert not checked & set(NOT_A_STREAM)
    assert files == checked | set(NOT_A_STREAM)


def test_the_webhook_secret_is_the_one_key_left_out() -> None:
    webhook = json.loads((EXAMPLES / "webhook.json").read_text())
    webhook["secret"] = "0f3e2d1c"
    assert stream_problems(WebhooksStream, webhook) == []
    assert "secret" not in WebhooksStream.api_schema["properties"]
    assert undeclared(webhook, WebhooksStream.api_schema) == ["$.secret: not in the schema"]
    assert {"webhooks": frozenset({"secret"})} == LEFT_OUT


def test_a_planted_unknown_key_is_caught_at_any_depth() -> None:
    conversation = json.loads((EXAMPLES / "conversation.json").read_text())
    conversation["customerWaitingSince"]["plantedKey"] = 1
    conversation["tags"][0]["anotherPlanted"] = "x"
    found = stream_problems(ConversationsStream, conversation)
    assert "$.customerWaitingSince.plantedKey: not in the schema" in found
    assert "$.tags[0].anotherPlanted: not in the schema" in found
    field = json.loads((EXAMPLES / "mailbox_field.json").read_text())
    field["options"][1]["planted"] = True
    found = stream_problems(MailboxFieldsStream, field)
    assert found == ["$.options[1].planted: not in the schema"]


def test_a_type_the_schema_does_not_allow_is_caught() -> None:
    customer = json.loads((EXAMPLES / "customer.json").read_text())
    customer["_embedded"]["address"]["lines"] = "one line, not a list"
    assert stream_problems(CustomersStream, customer) == [
        "$.address.lines: str where the schema says ['array', 'null']"
    ]
