"""The tap as a process against the simulator over HTTP: every stream, state, and the cases."""

from __future__ import annotations

import collections
import datetime
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.tap_runner import discover, run_tap, select_only, sim_config

ALL_STREAMS = (
    "conversations",
    "conversation_threads",
    "customers",
    "mailboxes",
    "mailbox_folders",
    "mailbox_fields",
    "saved_replies",
    "users",
    "teams",
    "team_members",
    "tags",
    "workflows",
    "webhooks",
    "organizations",
    "customer_properties",
    "happiness_ratings_report",
)

# stream -> (key fields in the simulator's truth, key columns in the tap's records); "id" else.
KEYS = {
    "happiness_ratings_report": (
        ("ratingCustomerId", "id", "ratingCreatedAt"),
        ("rating_customer_id", "conversation_id", "rating_created_at"),
    ),
    "team_members": (("teamId", "id"), ("team_id", "user_id")),
    "customer_properties": (("slug",), ("slug",)),
}


def _epoch(value: str) -> int:
    return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


@pytest.fixture(scope="module")
def full_run(shared_sim: Any) -> Any:
    run = run_tap(sim_config(shared_sim))
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def _keys(records: list[dict[str, Any]], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return sorted(tuple(record[name] for name in fields) for record in records)


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_every_record_the_simulator_holds_is_emitted_once(
    full_run: Any, shared_sim: Any, stream: str
) -> None:
    truth_fields, record_fields = KEYS.get(stream, (("id",), ("id",)))
    expected = _keys(shared_sim.truth(stream)[stream], truth_fields)
    assert expected, f"the simulator holds no {stream}: the test would prove nothing"
    assert _keys(full_run.records(stream), record_fields) == expected


def test_every_stream_is_in_the_catalog_with_its_key(shared_sim: Any) -> None:
    catalog = discover(sim_config(shared_sim))
    found = {}
    for entry in catalog["streams"]:
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        found[entry["tap_stream_id"]] = tuple(top["table-key-properties"])
    # conversation_ids is opt-in (selected_by_default False), so not in ALL_STREAMS' full run.
    assert set(found) == {*ALL_STREAMS, "conversation_ids"}
    assert found["team_members"] == ("team_id", "user_id")
    assert found["customer_properties"] == ("slug",)


def test_children_carry_their_parents_id(full_run: Any, shared_sim: Any) -> None:
    for stream, parent_key in (
        ("mailbox_folders", "mailboxId"),
        ("mailbox_fields", "mailboxId"),
        ("saved_replies", "mailboxId"),
    ):
        expected = sorted((r[parent_key], r["id"]) for r in shared_sim.truth(stream)[stream])
        assert _keys(full_run.records(stream), ("mailbox_id", "id")) == expected, stream
    field = next(f for f in full_run.records("mailbox_fields") if f["options"])
    assert {"id", "order", "label"} == set(field["options"][0])
    member = full_run.records("team_members")[0]
    assert "id" not in member
    assert {"team_id", "user_id", "first_name", "email", "role"} <= member.keys()


def test_saved_replies_carry_no_text_unless_asked(full_run: Any) -> None:
    replies = full_run.records("saved_replies")
    assert all(reply.get("text") is None for reply in replies)
    assert any(reply.get("chat_preview") for reply in replies)


def test_saved_reply_text_reads_each_reply(shared_sim: Any) -> None:
    catalog = select_only(discover(sim_config(shared_sim)), {"saved_replies"})
    run = run_tap(sim_config(shared_sim, saved_reply_text=True), catalog=catalog)
    assert run.returncode == 0, run.stderr[-3000:]
    truth = {reply["id"]: reply for reply in shared_sim.truth("saved_replies")["saved_replies"]}
    replies = run.records("saved_replies")
    assert sorted(reply["id"] for reply in replies) == sorted(truth)
    full = {
        reply["id"]: reply
        for mailbox in shared_sim.app.data.mailboxes
        for reply in _saved_replies_of(shared_sim, mailbox["id"])
    }
    for reply in replies:
        assert reply["text"] == full[reply["id"]]["text"]
        assert reply["chat_text"] == full[reply["id"]]["chatText"]
        assert reply["preview"] == truth[reply["id"]]["preview"]


def _saved_replies_of(sim: Any, mailbox_id: int) -> list[dict[str, Any]]:
    from helpscout_sim import render

    index = next(i for i, box in enumerate(sim.app.data.mailboxes) if box["id"] == mailbox_id)
    return render.saved_replies(sim.app.data, index)


def test_no_webhook_secret_leaves_the_tap(full_run: Any, shared_sim: Any) -> None:
    secrets = [hook["secret"] for hook in shared_sim.app.truth("webhooks")["webhooks"]]
    assert secrets
    assert all("secret" not in hook for hook in full_run.records("webhooks"))
    assert "secret" not in full_run.schema("webhooks")["properties"]
    output = json.dumps(full_run.messages) + full_run.stderr
    assert not [secret for secret in secrets if secret in output]


def test_threads_carry_their_conversation_and_long_conversations_are_whole(
    full_run: Any, shared_sim: Any
) -> None:
    truth = collections.defaultdict(set)
    for thread in shared_sim.truth("conversation_threads")["conversation_threads"]:
        truth[thread["conversationId"]].add(thread["id"])
    emitted = collections.defaultdict(set)
    for thread in full_run.records("conversation_threads"):
        emitted[thread["conversation_id"]].add(thread["id"])
    assert emitted == truth
    # Case C6: threads come 25 to a page; conversations with 30 threads arrive whole.
    assert any(len(ids) == 30 for ids in emitted.values())


def test_records_are_snake_case_and_typed(full_run: Any) -> None:
    conversation = full_run.records("conversations")[0]
    assert "customer_waiting_since" in conversation
    assert "modified_window_end" in conversation
    assert "_embedded" not in conversation
    assert "_links" not in conversation
    customer = next(c for c in full_run.records("customers") if c.get("emails"))
    assert {"emails", "phones", "social_profiles", "address"} <= customer.keys()
    assert all(
        key == key.lower()
        for record in full_run.messages
        if record["type"] == "RECORD"
        for key in record["record"]
    )
    ids = [c["id"] for c in full_run.records("conversations")]
    assert max(ids) > 2**31, "conversation ids above 2^31 must survive as integers"


def test_timestamps_leave_as_rfc3339_utc(full_run: Any) -> None:
    for stream in ALL_STREAMS:
        schema = full_run.schema(stream)
        stamps = [
            name for name, prop in schema["properties"].items() if prop.get("format") == "date-time"
        ]
        for record in full_run.records(stream):
            for name in stamps:
                value = record.get(name)
                assert value is None or value.endswith("Z"), (stream, name, value)


def test_customers_with_and_without_embedded_entries_are_all_emitted(full_run: Any) -> None:
    # Case C8: embedded entries come and go; none of it is an error.
    customers = full_run.records("customers")
    assert any(c["emails"] for c in customers)
    assert any(c["emails"] is None for c in customers)
    assert any(c["emails"] and c["address"] is None for c in customers)


def test_odd_thread_states_and_missing_timestamps_are_kept(full_run: Any) -> None:
    # Cases C9 and C10: null or unexpected states; conversations without user activity.
    threads = full_run.records("conversation_threads")
    assert any(t["state"] is None for t in threads)
    assert any(t["state"] == "hidden" for t in threads)
    assert any(t["type"] == "lineitem" and t["body"] is None for t in threads)
    conversations = full_run.records("conversations")
    assert any(c["user_updated_at"] is None for c in conversations)


def test_every_conversation_request_asks_for_all_statuses(full_run: Any, shared_sim: Any) -> None:
    # Case C5: the API's default status hides pending, closed and spam conversations.
    requests = [
        r for r in shared_sim.app.request_log if urlparse(r["path"]).path == "/v2/conversations"
    ]
    assert requests
    for request in requests:
        query = parse_qs(urlparse(request["path"]).query)
        assert query["status"] == ["all"], request
        assert all(len(values) == 1 for values in query.values()), "a parameter was sent twice"


def test_a_second_run_from_the_final_state_reads_nothing_new(
    full_run: Any, shared_sim: Any
) -> None:
    second = run_tap(sim_config(shared_sim), state=full_run.states()[-1])
    assert second.returncode == 0, second.stderr[-3000:]
    counts = second.counts()
    for stream in (
        "conversations",
        "conversation_threads",
        "customers",
        "happiness_ratings_report",
    ):
        assert counts.get(stream, 0) == 0, stream
    # FULL_TABLE streams are read whole every time.
    assert counts["mailboxes"] == len(shared_sim.truth("mailboxes")["mailboxes"])


def test_no_thread_body_or_customer_email_reaches_the_log(full_run: Any, shared_sim: Any) -> None:
    emails = {
        entry["value"]
        for customer in shared_sim.truth("customers")["customers"]
        for entry in customer.get("_embedded", {}).get("emails", [])
    }
    assert emails
    assert not [email for email in emails if email in full_run.stderr]
    bodies = [t["body"] for t in full_run.records("conversation_threads") if t["body"]]
    assert not [body for body in bodies[:200] if body in full_run.stderr]


def test_camel_case_mode_keeps_the_apis_names(shared_sim: Any) -> None:
    run = run_tap(sim_config(shared_sim, key_case="camelCase"))
    assert run.returncode == 0, run.stderr[-3000:]
    conversation = run.records("conversations")[0]
    assert "customerWaitingSince" in conversation
    assert "modifiedWindowEnd" in conversation
    rating = run.records("happiness_ratings_report")[0]
    assert {"conversationId", "threadId", "ratingCustomerId"} <= rating.keys()


def test_state_never_claims_an_unfinished_window(sim_factory: Any) -> None:
    # Enough conversations and customers that the windows must be split several times.
    sim = sim_factory(seed=5, conversations=1400, customers=2600, history_days=400)
    run = run_tap(sim_config(sim))
    assert run.returncode == 0, run.stderr[-3000:]

    hidden_modified = {
        conversation.id: conversation.modified_at
        for conversation in sim.app.data.live_conversations()
    }
    threads_of = collections.defaultdict(set)
    for thread in sim.truth("conversation_threads")["conversation_threads"]:
        threads_of[thread["conversationId"]].add(thread["id"])
    customer_updated = {
        c["id"]: _epoch(c["updatedAt"]) for c in sim.truth("customers")["customers"]
    }

    seen: dict[str, set[int]] = collections.defaultdict(set)
    bookmarks_seen = set()
    for message in run.messages:
        if message["type"] == "RECORD":
            seen[message["stream"]].add(message["record"].get("id", 0))
            continue
        if message["type"] != "STATE":
            continue
        bookmarks = message["value"].get("bookmarks", {})
        if value := bookmarks.get("conversations", {}).get("replication_key_value"):
            bookmarks_seen.add(value)
            bound = _epoch(value)
            claimed = {cid for cid, modified in hidden_modified.items() if modified <= bound}
            assert claimed <= seen["conversations"], f"STATE {value} claims unread conversations"
            for cid in claimed:
                assert threads_of[cid] <= seen["conversation_threads"], (value, cid)
        if value := bookmarks.get("customers", {}).get("replication_key_value"):
            bound = _epoch(value)
            claimed = {cid for cid, updated in customer_updated.items() if updated <= bound}
            assert claimed <= seen["customers"], f"STATE {value} claims unread customers"
    assert len(bookmarks_seen) >= 3, "the sync should have finished several windows"


def test_only_some_streams_selected(shared_sim: Any) -> None:
    catalog = select_only(discover(sim_config(shared_sim)), {"users"})
    run = run_tap(sim_config(shared_sim), catalog=catalog)
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(run.counts()) == {"users"}


def test_a_wrong_secret_ends_the_run_with_one_line_and_no_traceback(shared_sim: Any) -> None:
    secret = "wrong-secret-9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
    run = run_tap(sim_config(shared_sim, client_secret=secret))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "refused the credentials" in run.stderr.strip().splitlines()[-1]
    assert secret not in run.stderr
    assert not [m for m in run.messages if m["type"] == "RECORD"]


def test_each_stream_sends_its_schema_once_and_before_its_records(full_run: Any) -> None:
    schemas = collections.Counter(m["stream"] for m in full_run.messages if m["type"] == "SCHEMA")
    assert schemas == dict.fromkeys(ALL_STREAMS, 1)
    announced: set[str] = set()
    for message in full_run.messages:
        if message["type"] == "SCHEMA":
            announced.add(message["stream"])
        elif message["type"] == "RECORD":
            assert message["stream"] in announced


def test_open_ended_values_leave_as_strings(full_run: Any) -> None:
    threads = full_run.records("conversation_threads")
    entities = [t["action"]["associated_entities"] for t in threads if t.get("action")]
    assert entities
    assert all(isinstance(value, str) for value in entities)
    assert any(json.loads(value) for value in entities)
    values = [
        field["value"]
        for conversation in full_run.records("conversations")
        for field in conversation["custom_fields"] or []
    ] + [
        prop["value"]
        for customer in full_run.records("customers")
        for prop in customer["properties"] or []
    ]
    assert values
    assert all(isinstance(value, str) for value in values)


@pytest.mark.parametrize(
    ("failing_path", "streams"),
    [
        (
            "/v2/mailboxes/{id}/saved-replies",
            ("mailboxes", "mailbox_folders", "mailbox_fields", "saved_replies"),
        ),
        ("/v2/teams/{id}/members", ("teams", "team_members")),
    ],
)
def test_a_failure_between_two_parents_sends_nothing_of_their_lists(
    sim_factory: Any, failing_path: str, streams: tuple[str, ...]
) -> None:
    # The second parent's list fails: the first parent's list was read, yet neither SCHEMA nor
    # records leave for the parent or any of its lists, so every table stays as it was.
    fault = {"path": failing_path, "kind": "status", "status": 400, "after": 1, "count": -1}
    sim = sim_factory(seed=4, conversations=20, customers=10, faults=[fault])
    run = run_tap(sim_config(sim), catalog=select_only(discover(sim_config(sim)), set(streams)))
    assert run.returncode != 0
    assert sim.app.stats.faults_injected.get("status") == 1
    assert not [m for m in run.messages if m["type"] in {"SCHEMA", "RECORD"}]


def test_ratings_over_many_pages_are_all_emitted(sim_factory: Any) -> None:
    # Report rows carry no `id`: a page read again must not drop rows of other pages as seen.
    sim = sim_factory(seed=4, conversations=2500)
    config = sim_config(sim)
    run = run_tap(config, catalog=select_only(discover(config), {"happiness_ratings_report"}))
    assert run.returncode == 0, run.stderr[-3000:]
    truth = sim.truth("happiness_ratings_report")["happiness_ratings_report"]
    expected = {(r["ratingCustomerId"], r["id"], r["ratingCreatedAt"]) for r in truth}
    emitted = {
        (r["rating_customer_id"], r["conversation_id"], r["rating_created_at"])
        for r in run.records("happiness_ratings_report")
    }
    assert len(truth) > 100
    assert emitted == expected
