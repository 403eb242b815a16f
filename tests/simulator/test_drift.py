"""Data that changes during a sync: mutations, their log and history, and what drift does to
a client that follows offset pages naively."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpscout_sim import SimulatorConfig, SimulatorServer
from helpscout_sim.timeutil import iso

from .conftest import Client, call

# A naive modifiedAt-ascending page follower loses records under these settings; the tap's own
# drift test reuses them. After every 2nd API request one of touch/create/delete/merge is applied,
# preferably to a conversation the client has already been served in the current window.
DRIFT_SEED = 7
DRIFT_SETTINGS: dict[str, Any] = {
    "seed": DRIFT_SEED,
    "conversations": 150,
    "customers": 50,
    "mutate_every": 2,
    "rate_limit_per_minute": 0,
}
SINCE = "2000-01-01T00:00:00Z"


def _get_json(sim: SimulatorServer, path: str) -> Any:
    reply = call("GET", f"{sim.url}{path}")
    assert reply.status == 200
    return reply.body


def _naive_follow(client: Client) -> list[int]:
    """Ask for one window sorted by modifiedAt ascending and follow next links verbatim."""
    params = {
        "status": "all",
        "sortField": "modifiedAt",
        "sortOrder": "asc",
        "modifiedSince": SINCE,
    }
    seen: list[int] = []
    reply = client.get("/v2/conversations", params)
    while True:
        assert reply.status == 200
        seen += [item["id"] for item in reply.body.get("_embedded", {}).get("conversations", [])]
        following = reply.body["_links"].get("next")
        if following is None:
            return seen
        reply = client.get(following["href"])


def test_naive_page_follower_misses_a_conversation_that_existed_throughout():
    with SimulatorServer(SimulatorConfig(**DRIFT_SETTINGS)) as sim:
        seen = _naive_follow(Client(sim))
        history = _get_json(sim, "/_sim/conversation_history")
        mutations = _get_json(sim, "/_sim/mutations")["mutations"]
        missed = set(history["stable_ids"]) - set(seen)
        assert missed, "drift should make an offset-paging client skip a record"
        assert mutations
        stats = _get_json(sim, "/_sim/stats")
        assert sum(stats["mutations"].values()) == len(mutations)


def test_same_seed_same_mutations():
    logs = []
    for _ in range(2):
        with SimulatorServer(SimulatorConfig(**DRIFT_SETTINGS)) as sim:
            _naive_follow(Client(sim))
            entries = _get_json(sim, "/_sim/mutations")["mutations"]
            logs.append([{k: v for k, v in e.items() if k != "time"} for e in entries])
    assert logs[0] == logs[1]


def test_mutations_change_what_the_api_serves(fresh_sim):
    client = Client(fresh_sim)
    before = {item["id"]: item for item in client.truth("conversations")}

    client.control(mutate="delete")
    deleted = _get_json(fresh_sim, "/_sim/mutations")["mutations"][-1]
    assert deleted["kind"] == "delete"
    assert client.get(f"/v2/conversations/{deleted['conversation_id']}").status == 404

    client.control(mutate="merge")
    merged = _get_json(fresh_sim, "/_sim/mutations")["mutations"][-1]
    old, survivor = merged["conversation_id"], merged["merged_into"]
    moved = client.get(f"/v2/conversations/{old}")
    assert moved.status == 301
    assert moved.headers["location"].endswith(f"/v2/conversations/{survivor}")
    assert client.get(f"/v2/conversations/{old}/threads").status == 404

    client.control(mutate="create")
    created = _get_json(fresh_sim, "/_sim/mutations")["mutations"][-1]
    client.control(mutate="touch")
    touched = _get_json(fresh_sim, "/_sim/mutations")["mutations"][-1]

    after = {item["id"]: item for item in client.truth("conversations")}
    assert deleted["conversation_id"] not in after
    assert old not in after
    assert created["conversation_id"] in after
    assert created["conversation_id"] not in before
    assert after[touched["conversation_id"]] != before.get(touched["conversation_id"])

    # Changed records carry a modifiedAt after data_end, so a window from there finds them.
    recent = client.walk(
        "/v2/conversations",
        {"status": "all", "modifiedSince": fresh_sim.config.data_end},
        key="conversations",
    )
    assert {created["conversation_id"], survivor, touched["conversation_id"]} <= {
        item["id"] for item in recent
    }

    history = _get_json(fresh_sim, "/_sim/conversation_history")
    assert history["removed"][str(old)]["kind"] == "merge"
    assert history["removed"][str(deleted["conversation_id"])]["kind"] == "delete"
    assert str(created["conversation_id"]) in history["created"]
    assert old not in history["stable_ids"]
    stats = _get_json(fresh_sim, "/_sim/stats")
    assert stats["mutations"] == {"delete": 1, "merge": 1, "create": 1, "touch": 1}


def test_truth_stays_consistent_under_drift():
    settings = {**DRIFT_SETTINGS, "mutate_every": 1}
    with SimulatorServer(SimulatorConfig(**settings)) as sim:
        client = Client(sim)
        for _ in range(30):
            client.get("/v2/conversations", {"status": "all", "page": 2})
        client.control(mutate_every=0)  # hold the data still while it is read back
        listed = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
        truth = client.truth("conversations")
        assert sorted(item["id"] for item in listed) == sorted(item["id"] for item in truth)
        threads = client.truth("conversation_threads")
        counts: dict[int, int] = {}
        for item in threads:
            counts[item["conversationId"]] = counts.get(item["conversationId"], 0) + 1
        for conv in truth:
            assert counts.get(conv["id"], 0) == conv["threads"]
        assert len({item["id"] for item in threads}) == len(threads)
        tag_total = sum(tag["ticketCount"] for tag in client.truth("tags"))
        assert tag_total == sum(len(conv["tags"]) for conv in truth)
        folder_total = sum(folder["totalCount"] for folder in client.truth("mailbox_folders"))
        assert folder_total == len(truth)


def test_touch_customer_is_off_by_default_and_switchable(fresh_sim):
    client = Client(fresh_sim)
    state = call("GET", f"{fresh_sim.url}/_sim/control").body
    assert "touch_customer" not in state["mutations"]
    client.control(mutations=["touch_customer"], mutate_every=1)
    client.get("/v2/users")
    entry = _get_json(fresh_sim, "/_sim/mutations")["mutations"][-1]
    assert entry["kind"] == "touch_customer"
    changed = client.walk(
        "/v2/customers", {"modifiedSince": fresh_sim.config.data_end}, key="customers"
    )
    assert [item["id"] for item in changed] == [entry["customer_id"]]
    client.control(mutate_every=0)
    bad = call("POST", f"{fresh_sim.url}/_sim/control", data=b'{"mutations": ["explode"]}')
    assert bad.status == 400
    with pytest.raises(ValueError, match="unknown mutations"):
        SimulatorConfig(mutations=["explode"])


def test_request_log_keeps_path_query_status_and_number(fresh_sim):
    client = Client(fresh_sim)
    client.control(reset_stats=True)
    client.get("/v2/conversations", {"status": "all", "modifiedSince": SINCE, "page": 2})
    client.get("/v2/conversations/1")
    log = _get_json(fresh_sim, "/_sim/requests")["requests"]
    assert log[-2]["path"] == (
        "/v2/conversations?status=all&modifiedSince=2000-01-01T00%3A00%3A00Z&page=2"
    )
    assert log[-2]["status"] == 200
    assert log[-1]["status"] == 404
    assert log[-1]["number"] == log[-2]["number"] + 1


def test_edit_changes_one_named_record_and_its_modification_time(fresh_sim):
    client = Client(fresh_sim)
    since = fresh_sim.app.data.data_end
    live = fresh_sim.app.data.live_conversations()
    assigned = next(c for c in live if c.assignee_id and c.status != "closed")
    open_one = next(c for c in live if not c.assignee_id)
    user = int(fresh_sim.app.data.users[1]["id"])
    customer = next(c for c in fresh_sim.app.data.customers if c.variant == 0)

    client.control(edit={"conversation": assigned.id, "assignee": None, "status": "closed"})
    client.control(edit={"conversation": open_one.id, "assignee": user})
    client.control(edit={"customer": customer.id, "address": False})

    changed = client.walk(
        "/v2/conversations", {"status": "all", "modifiedSince": iso(since)}, key="conversations"
    )
    by_id = {c["id"]: c for c in changed}
    assert set(by_id) == {assigned.id, open_one.id}
    assert "assignee" not in by_id[assigned.id]
    assert by_id[assigned.id]["closedByUser"]["id"] == by_id[assigned.id]["closedBy"]
    assert by_id[open_one.id]["assignee"]["id"] == user
    customers = client.walk("/v2/customers", {"modifiedSince": iso(since)}, key="customers")
    assert [c["id"] for c in customers] == [customer.id]
    assert "address" not in customers[0]["_embedded"]
    client.control(edit={"customer": customer.id, "address": True})
    assert "address" in client.get(f"/v2/customers/{customer.id}").body["_embedded"]
    kinds = [entry["kind"] for entry in _get_json(fresh_sim, "/_sim/mutations")["mutations"]]
    assert kinds == ["edit"] * 4


@pytest.mark.parametrize(
    "edit",
    [
        {"conversation": 1},
        {"conversation": None},
        {"customer": 1, "address": True},
        {"nothing": 1},
        "touch",
    ],
)
def test_an_edit_that_names_no_record_is_refused(fresh_sim, edit):
    assert _post_control(fresh_sim, {"edit": edit}).status == 400


def test_an_edit_of_an_unknown_field_is_refused(fresh_sim):
    conversation = fresh_sim.app.data.live_conversations()[0]
    edit = {"conversation": conversation.id, "subject": "x"}
    assert _post_control(fresh_sim, {"edit": edit}).status == 400
    assert _get_json(fresh_sim, "/_sim/mutations")["mutations"] == []


def _post_control(sim: SimulatorServer, changes: dict[str, Any]) -> Any:
    return call(
        "POST",
        f"{sim.url}/_sim/control",
        data=json.dumps(changes).encode(),
        headers={"Content-Type": "application/json"},
    )
