"""Requests in flight at once or one at a time: the same records, whole, with one token."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tap_runner import run_tap, sim_config
from tests.support.truth import mismatches


@pytest.mark.parametrize("parallel", [1, 3])
def test_every_record_arrives_whatever_the_requests_in_flight(
    sim_factory: Any, parallel: int
) -> None:
    sim = sim_factory(seed=6, conversations=400, latency_ms=30)
    run = run_tap(sim_config(sim, max_parallel_requests=parallel))
    assert run.returncode == 0, run.stderr[-3000:]
    assert mismatches(run, sim) == {}
    assert sim.app.stats.tokens_issued == 1
