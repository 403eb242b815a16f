"""Every key of every example document of the API facts has a typed place in its stream's schema."""

from __future__ import annotations

import copy
import json
import pathlib
import typing as t

import pytest

from tap_helpscout.streams.conversations import ConversationsStream, ConversationThreadsStream
from tap_helpscout.streams.customers import CustomersStream
from tap_helpscout.streams.mailboxes import MailboxesStream, MailboxFoldersStream
from tap_helpscout.streams.reports import HappinessRatingsReportStream
from tap_helpscout.streams.users import UsersStream
from tests.support.schema_check import undeclared

# Copies of the example documents of the API facts (shared/helpscout-api/examples).
EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "api_examples"


def _items(key: str) -> t.Callable[[t.Any], list[dict]]:
    return lambda document: document["_embedded"][key]


def _rating_rows(document: dict) -> list[dict]:
    rows = document.get("results", [document])
    renamed = []
    for row in rows:
        row = dict(row)
        row["conversationId"], row["threadId"] = row.pop("id"), row.pop("threadid")
        renamed.append(row)
    return renamed


# example file -> (stream, how to find its objects)
CASES: dict[str, tuple[type, t.Callable[[t.Any], list[dict]]]] = {
    "conversation.json": (ConversationsStream, lambda d: [d]),
    "conversations_list_page.json": (ConversationsStream, _items("conversations")),
    "conversation_thread.json": (ConversationThreadsStream, lambda d: [d]),
    "conversation_thread_lineitem.json": (ConversationThreadsStream, lambda d: [d]),
    "conversation_thread_message_rated.json": (ConversationThreadsStream, lambda d: [d]),
    "customer.json": (CustomersStream, lambda d: [d]),
    "customers_v3_page.json": (CustomersStream, _items("customers")),
    "mailbox.json": (MailboxesStream, lambda d: [d]),
    "mailbox_folder.json": (MailboxFoldersStream, lambda d: [d]),
    "user.json": (UsersStream, lambda d: [d]),
    "team_members_page.json": (UsersStream, _items("users")),
    "happiness_rating.json": (HappinessRatingsReportStream, _rating_rows),
    "happiness_ratings_report_page.json": (HappinessRatingsReportStream, _rating_rows),
}


def _problems(stream: type, obj: dict) -> list[str]:
    obj = copy.deepcopy(obj)
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


@pytest.mark.parametrize("example", sorted(CASES))
def test_example_fits_its_stream_schema(example: str) -> None:
    stream, objects_of = CASES[example]
    document = json.loads((EXAMPLES / example).read_text())
    objects = objects_of(document)
    assert objects
    for obj in objects:
        assert _problems(stream, obj) == []


def test_a_planted_unknown_key_is_caught_at_any_depth() -> None:
    conversation = json.loads((EXAMPLES / "conversation.json").read_text())
    conversation["customerWaitingSince"]["plantedKey"] = 1
    conversation["tags"][0]["anotherPlanted"] = "x"
    problems = _problems(ConversationsStream, conversation)
    assert "$.customerWaitingSince.plantedKey: not in the schema" in problems
    assert "$.tags[0].anotherPlanted: not in the schema" in problems


def test_a_type_the_schema_does_not_allow_is_caught() -> None:
    customer = json.loads((EXAMPLES / "customer.json").read_text())
    customer["_embedded"]["address"]["lines"] = "one line, not a list"
    assert _problems(CustomersStream, customer) == [
        "$.address.lines: str where the schema says ['array', 'null']"
    ]
