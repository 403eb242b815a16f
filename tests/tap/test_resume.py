"""Killing the tap at any moment and resuming from its last STATE loses no record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.tap_runner import TAP, run_tap, sim_config
from tests.support.truth import rating_key


def _run_and_kill(config: dict[str, Any], after_records: int) -> list[dict[str, Any]]:
    """Run the tap and SIGKILL it once it has written `after_records` records."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(json.dumps(config))
        process = subprocess.Popen(
            [str(TAP), "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        assert process.stdout is not None
        messages, records = [], 0
        for line in process.stdout:
            messages.append(json.loads(line))
            records += messages[-1]["type"] == "RECORD"
            if records >= after_records:
                process.send_signal(signal.SIGKILL)
                break
        # Whatever the tap wrote before it died reaches the loader too.
        messages += [json.loads(line) for line in process.stdout if line.strip()]
        process.wait()
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "the tap finished before it could be killed"
    return messages


CHECKED = {"conversations", "conversation_threads", "customers", "happiness_ratings_report"}


@pytest.fixture(scope="module")
def resume_sim() -> Any:
    from helpscout_sim import SimulatorConfig, SimulatorServer

    config = SimulatorConfig(
        seed=5, conversations=1400, customers=2600, history_days=400, rate_limit_per_minute=0
    )
    with SimulatorServer(config) as server:
        yield server


_FIRST_WINDOW: dict[int, int] = {}


def resume_sim_first_window(sim: Any) -> int:
    """How many records a full run writes before its first conversations bookmark."""
    if id(sim) not in _FIRST_WINDOW:
        records = 0
        for message in run_tap(sim_config(sim)).messages:
            records += message["type"] == "RECORD"
            bookmarks = message.get("value", {}).get("bookmarks", {})
            if message["type"] == "STATE" and bookmarks.get("conversations", {}).get(
                "replication_key_value"
            ):
                break
        _FIRST_WINDOW[id(sim)] = records
    return _FIRST_WINDOW[id(sim)]


# Early in the first conversation window, deep in later windows, and among the customers.
@pytest.mark.parametrize("kill_after", [40, 2500, 6500, 8200])
def test_kill_and_resume_loses_nothing(resume_sim: Any, kill_after: int) -> None:
    config = sim_config(resume_sim)
    before = _run_and_kill(config, kill_after)
    states = [m["value"] for m in before if m["type"] == "STATE"]
    state = states[-1] if states else {}
    bookmark = state.get("bookmarks", {}).get("conversations", {}).get("replication_key_value")
    if kill_after > resume_sim_first_window(resume_sim):
        assert bookmark, "the bookmark should have advanced before the kill"
        assert bookmark > config["start_date"]

    log_start = len(resume_sim.app.request_log)
    after = run_tap(config, state=state)
    assert after.returncode == 0, after.stderr[-2000:]

    emitted: dict[str, set[Any]] = {}
    for message in [*before, *after.messages]:
        if message["type"] != "RECORD" or message["stream"] not in CHECKED:
            continue
        record, stream = message["record"], message["stream"]
        key = (
            rating_key(record, truth=False)
            if stream == "happiness_ratings_report"
            else record["id"]
        )
        emitted.setdefault(stream, set()).add(key)
    truth = resume_sim.truth()
    for stream in ("conversations", "conversation_threads", "customers"):
        assert {r["id"] for r in truth[stream]} <= emitted.get(stream, set()), stream
    ratings = {rating_key(r, truth=True) for r in truth["happiness_ratings_report"]}
    assert ratings <= emitted.get("happiness_ratings_report", set())

    # The resumed run asks only for what was left: nothing before the bookmark.
    resumed = [
        parse_qs(urlparse(r["path"]).query)
        for r in list(resume_sim.app.request_log)[log_start:]
        if urlparse(r["path"]).path == "/v2/conversations"
    ]
    if bookmark:
        assert min(q["modifiedSince"][0] for q in resumed) == bookmark
