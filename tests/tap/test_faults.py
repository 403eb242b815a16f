"""Faults the tap must survive with nothing lost, each injected by the simulator over HTTP.

Every test asserts that its fault really happened, then compares the records the tap emitted
with the simulator's truth.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.support.tap_runner import run_tap, sim_config
from tests.support.truth import mismatches

FAST_RETRIES = {"retry_wait_seconds": 0, "max_retries": 4}


def _run_with(sim_factory: Any, faults: list[dict[str, Any]], **config: Any) -> tuple[Any, Any]:
    sim = sim_factory(seed=17, conversations=80, customers=60, faults=faults)
    run = run_tap(sim_config(sim, **FAST_RETRIES, **config))
    return sim, run


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(sim_factory: Any, status: int) -> None:
    faults = [
        {"path": "/v2/conversations", "kind": "status", "status": status, "after": 1, "count": 2},
        {
            "path": "/v2/conversations/{id}/threads",
            "kind": "status",
            "status": status,
            "every": 3,
            "count": 3,
        },
        {"path": "/v2/mailboxes/{id}/folders", "kind": "status", "status": status, "count": 1},
    ]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected["status"] == 6
    assert mismatches(run, sim) == {}
    assert "Retrying in" in run.stderr


@pytest.mark.parametrize("kind", ["reset", "truncated", "not_json"])
def test_broken_connections_and_bodies_are_retried(sim_factory: Any, kind: str) -> None:
    faults = [
        {"path": "/v2/conversations", "kind": kind, "after": 1, "count": 1},
        {"path": "/v2/customers", "kind": kind, "count": 1},
        {"path": "/v2/users", "kind": kind, "count": 1},
    ]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected[kind] == 3
    assert mismatches(run, sim) == {}


def test_a_stalled_request_is_abandoned_after_the_timeout(sim_factory: Any) -> None:
    faults = [{"path": "/v2/customers", "kind": "stall", "seconds": 4, "count": 1}]
    started = time.monotonic()
    sim, run = _run_with(sim_factory, faults, request_timeout_seconds=1)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected["stall"] == 1
    assert "no answer within the request timeout" in run.stderr
    assert mismatches(run, sim) == {}
    assert time.monotonic() - started < 30


def test_a_token_expiring_early_is_renewed_once(sim_factory: Any) -> None:
    faults = [
        {"path": "/v2/conversations/{id}/threads", "kind": "expire_token", "after": 2, "count": 1}
    ]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected["expire_token"] == 1
    assert sim.app.stats.tokens_issued == 2
    assert mismatches(run, sim) == {}


def test_when_retries_run_out_the_error_names_the_request_and_says_state_is_safe(
    sim_factory: Any,
) -> None:
    faults = [{"path": "/v2/customers", "kind": "status", "status": 503, "count": -1}]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 1
    assert sim.app.stats.faults_injected["status"] == FAST_RETRIES["max_retries"] + 1
    last = run.stderr.strip().splitlines()[-1]
    assert "Giving up on GET /v2/customers" in last
    assert "503" in last
    assert "safe to resume" in last
    assert "Traceback" not in run.stderr
    # Conversations came before customers and were finished: their bookmark was kept.
    assert run.states()[-1]["bookmarks"]["conversations"]["replication_key_value"]


@pytest.mark.parametrize("header", ["x-ratelimit", "retry-after"])
def test_a_429_is_waited_out_as_the_server_asks_without_spending_retries(
    sim_factory: Any, header: str
) -> None:
    # Cases C1/C2: another client spends the shared budget behind the tap's back, so 429s come
    # although the tap itself stays under the limit. With no error retries allowed at all, the
    # run can only pass if waiting out a 429 spends none of them.
    sim = sim_factory(
        seed=17,
        conversations=80,
        customers=60,
        rate_limit_per_minute=60,
        rate_window_seconds=2,
        retry_after_header=header,
    )
    other_client = threading.Thread(target=_spend_everything, args=(sim, 2.0), daemon=True)
    other_client.start()
    run = run_tap(sim_config(sim, retry_wait_seconds=0, max_retries=0))
    other_client.join()
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.rate_limited >= 1
    assert "as Help Scout asked" in run.stderr
    assert mismatches(run, sim) == {}


def _spend_everything(sim: Any, seconds: float) -> None:
    """Another integration that empties the account's budget again and again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sim.control(spend_budget=60)
        time.sleep(0.1)


def test_a_realistic_retry_after_is_waited_in_full(sim_factory: Any) -> None:
    # Case C1 at a realistic scale: the budget is already spent by another client when the tap
    # starts, and Help Scout asks for a wait of many seconds.
    sim = sim_factory(
        seed=17, conversations=30, customers=20, rate_limit_per_minute=200, rate_window_seconds=30
    )
    # Windows are aligned to the clock: start early in one so that the wait asked is long.
    left = sim.control()["seconds_to_window_reset"]
    if left < 20:
        time.sleep(left + 0.2)
    sim.control(spend_budget=200)
    asked = sim.control()["seconds_to_window_reset"]
    started = time.monotonic()
    run = run_tap(sim_config(sim, max_retries=0))
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.rate_limited == 1
    assert asked >= 15
    assert time.monotonic() - started >= asked - 1
    assert mismatches(run, sim) == {}


@pytest.mark.parametrize("status", [301, 404])
def test_threads_of_a_conversation_merged_or_deleted_meanwhile_are_skipped(
    sim_factory: Any, status: int
) -> None:
    faults = [
        {
            "path": "/v2/conversations/{id}/threads",
            "kind": "status",
            "status": status,
            "after": 1,
            "count": 1,
        }
    ]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected["status"] == 1
    assert "it was merged or deleted" in run.stderr
    problems = mismatches(run, sim)
    # Only the threads of that one conversation are missing; everything else arrived.
    assert set(problems) == {"conversation_threads"}
    assert problems["conversation_threads"]["unexpected"] == []


def test_a_401_spends_no_retry(sim_factory: Any) -> None:
    faults = [{"path": "*", "kind": "expire_token", "after": 10, "count": 1}]
    sim = sim_factory(seed=17, conversations=40, customers=20, faults=faults)
    run = run_tap(sim_config(sim, max_retries=0))
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected["expire_token"] == 1
    assert sim.app.stats.tokens_issued == 2
    assert mismatches(run, sim) == {}


@pytest.mark.parametrize("kind", ["status", "reset"])
def test_the_first_token_request_is_retried_too(sim_factory: Any, kind: str) -> None:
    faults = [{"path": "/v2/oauth2/token", "kind": kind, "status": 503, "count": 1}]
    sim, run = _run_with(sim_factory, faults)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sim.app.stats.faults_injected[kind] == 1
    assert mismatches(run, sim) == {}
