"""Fixtures shared by the tap's tests: a Help Scout simulator on 127.0.0.1, per test or module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpscout_sim import SimulatorConfig, SimulatorServer


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[SimulatorServer]:
    """A read-only simulator for a whole module: tests must not reconfigure it."""
    with SimulatorServer(SimulatorConfig(seed=11, rate_limit_per_minute=0)) as server:
        yield server


@pytest.fixture
def sim_factory() -> Iterator[object]:
    """Start simulators with given settings; all are stopped when the test ends."""
    started: list[SimulatorServer] = []

    def start(**settings: object) -> SimulatorServer:
        settings.setdefault("rate_limit_per_minute", 0)
        server = SimulatorServer(SimulatorConfig(**settings)).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
