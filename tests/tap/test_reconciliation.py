"""The opt-in `conversation_ids` stream: the ids that exist now, so deletions can be told apart."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from tests.support.tap_runner import discover, run_tap, select_only, sim_config


def test_deleted_and_merged_conversations_are_missing_from_conversation_ids(
    sim_factory: Any,
) -> None:
    sim = sim_factory(seed=4, conversations=120, customers=10)
    for kind in ("delete", "delete", "merge"):
        sim.control(mutate=kind)
    catalog = select_only(discover(sim_config(sim)), {"conversation_ids"})
    run = run_tap(sim_config(sim), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    live = {c["id"] for c in sim.truth("conversations")["conversations"]}
    emitted = [r["id"] for r in run.records("conversation_ids")]
    assert sorted(emitted) == sorted(live)
    with urllib.request.urlopen(f"{sim.url}/_sim/mutations") as response:
        gone = {m["conversation_id"] for m in json.load(response)["mutations"]}
    assert len(gone) == 3
    assert not gone & set(emitted)
    # No threads are read: one request per 25 conversations, plus the first page again at most.
    pages = -(-len(live) // 25)
    assert sim.app.stats.by_path["/v2/conversations"] <= pages + 1
    assert "/v2/conversations/{id}/threads" not in sim.app.stats.by_path
    assert set(run.records("conversation_ids")[0]) == {
        "id",
        "number",
        "mailbox_id",
        "status",
        "created_at",
    }


def test_it_is_off_unless_selected(shared_sim: Any) -> None:
    catalog = discover(sim_config(shared_sim))
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "conversation_ids")
    top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
    assert top["selected-by-default"] is False


def test_conversations_deleted_while_it_reads_do_not_hide_others(sim_factory: Any) -> None:
    sim = sim_factory(
        seed=7, conversations=300, customers=10, mutate_every=2, mutations=["delete", "merge"]
    )
    catalog = select_only(discover(sim_config(sim)), {"conversation_ids"})
    run = run_tap(sim_config(sim), catalog=catalog)
    assert run.returncode == 0, run.stderr[-2000:]
    with urllib.request.urlopen(f"{sim.url}/_sim/conversation_history") as response:
        history = json.load(response)
    assert history["removed"], "conversations should have been removed during the read"
    assert set(history["stable_ids"]) <= {r["id"] for r in run.records("conversation_ids")}
