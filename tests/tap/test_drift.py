"""Data that changes while the tap pages through a window: nothing that existed is lost.

The simulator touches, creates, deletes and merges conversations every few requests, preferring
conversations inside the window being read. A plain page follower loses records under exactly
these settings (shown here and in tests/simulator/test_drift.py); the tap must not.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from helpscout_sim import SimulatorConfig, SimulatorServer
from tests.simulator.conftest import Client
from tests.simulator.test_drift import DRIFT_SETTINGS, _naive_follow
from tests.support.tap_runner import run_tap, sim_config


def _get(sim: Any, path: str) -> Any:
    with urllib.request.urlopen(f"{sim.url}{path}", timeout=30) as response:
        return json.load(response)


def _moved_mid_window(sim: Any) -> list[dict[str, Any]]:
    """Mutations applied between two page requests of the same conversations window."""
    pages: dict[str, list[int]] = {}
    for request in _get(sim, "/_sim/requests")["requests"]:
        url = urlparse(request["path"])
        if url.path != "/v2/conversations" or request.get("number") is None:
            continue
        query = parse_qs(url.query)
        pages.setdefault(query.get("query", [""])[0], []).append(request["number"])
    mutations = _get(sim, "/_sim/mutations")["mutations"]
    return [
        mutation
        for mutation in mutations
        if mutation["kind"] in {"touch", "delete", "merge"}
        and any(min(numbers) < mutation["request"] < max(numbers) for numbers in pages.values())
    ]


@pytest.mark.parametrize("seed", [DRIFT_SETTINGS["seed"], 1, 2])
def test_every_conversation_that_existed_throughout_is_emitted(seed: int) -> None:
    settings = {**DRIFT_SETTINGS, "seed": seed}
    with SimulatorServer(SimulatorConfig(**settings)) as sim:
        run = run_tap(sim_config(sim))
        assert run.returncode == 0, run.stderr[-3000:]
        history = _get(sim, "/_sim/conversation_history")
        moved = _moved_mid_window(sim)
    emitted = {record["id"] for record in run.records("conversations")}
    assert moved, "the simulator should have moved records in the middle of a window"
    assert set(history["stable_ids"]) - emitted == set()


def test_a_plain_page_follower_loses_records_under_the_same_settings() -> None:
    with SimulatorServer(SimulatorConfig(**DRIFT_SETTINGS)) as sim:
        seen = set(_naive_follow(Client(sim)))
        history = _get(sim, "/_sim/conversation_history")
    assert set(history["stable_ids"]) - seen


def test_the_next_run_catches_up_to_the_latest_state() -> None:
    with SimulatorServer(SimulatorConfig(**DRIFT_SETTINGS)) as sim:
        first = run_tap(sim_config(sim))
        assert first.returncode == 0, first.stderr[-3000:]
        sim.control(mutate_every=0)
        # The tap reads up to two seconds before the server's now (Date headers have whole
        # seconds): give the last changes that long to be readable.
        time.sleep(3)
        second = run_tap(sim_config(sim, safety_margin_minutes=0), state=first.states()[-1])
        assert second.returncode == 0, second.stderr[-3000:]
        truth = {c["id"]: c for c in sim.truth("conversations")["conversations"]}
    latest: dict[int, dict[str, Any]] = {}
    for run in (first, second):
        for record in run.records("conversations"):
            latest[record["id"]] = record
    assert set(truth) <= set(latest)
    for conversation_id, conversation in truth.items():
        assert latest[conversation_id]["status"] == conversation["status"], conversation_id
        assert latest[conversation_id]["threads"] == conversation["threads"], conversation_id


@pytest.mark.parametrize("seed", [1, 4])
def test_nothing_is_lost_when_pages_in_flight_are_answered_out_of_order(seed: int) -> None:
    # With latency, the pages read ahead are answered by the server in any order.
    settings = {**DRIFT_SETTINGS, "seed": seed, "latency_ms": 20}
    with SimulatorServer(SimulatorConfig(**settings)) as sim:
        run = run_tap(sim_config(sim, max_parallel_requests=4))
        assert run.returncode == 0, run.stderr[-3000:]
        history = _get(sim, "/_sim/conversation_history")
    emitted = {record["id"] for record in run.records("conversations")}
    assert set(history["stable_ids"]) - emitted == set()
