"""A 403 skips the stream it hits, with a warning, unless `fail_on_forbidden` asks to fail."""

from __future__ import annotations

import collections
from typing import Any

from tests.support.tap_runner import TapRun, run_tap, sim_config

REPORT = "happiness_ratings_report"
BOOKMARK = "2024-06-01T00:00:00Z"


def _sent(run: TapRun, kind: str) -> collections.Counter[str]:
    return collections.Counter(m["stream"] for m in run.messages if m["type"] == kind)


def _small(sim_factory: Any, **settings: Any) -> Any:
    return sim_factory(seed=4, conversations=40, customers=30, **settings)


def test_reports_on_the_standard_plan_are_skipped_and_the_rest_goes_on(sim_factory: Any) -> None:
    sim = _small(sim_factory, plan="standard")
    state = {
        "bookmarks": {
            REPORT: {"replication_key": "rating_created_at", "replication_key_value": BOOKMARK}
        }
    }
    run = run_tap(sim_config(sim), state=state)
    assert run.returncode == 0, run.stderr[-3000:]

    assert REPORT not in _sent(run, "SCHEMA")
    assert REPORT not in _sent(run, "RECORD")
    warnings = [line for line in run.stderr.splitlines() if f"Skipping stream '{REPORT}'" in line]
    assert len(warnings) == 1
    assert "403" in warnings[0]
    assert "Plus or Pro" in warnings[0]
    # Every other stream was read whole.
    assert _sent(run, "RECORD")["conversations"] == len(sim.truth("conversations")["conversations"])
    assert _sent(run, "RECORD")["workflows"] == len(sim.truth("workflows")["workflows"])
    # The refused stream's bookmark did not move.
    final = run.states()[-1]["bookmarks"][REPORT]
    assert final["replication_key_value"] == BOOKMARK
    assert "Traceback" not in run.stderr


def test_fail_on_forbidden_fails_the_run_with_one_line(sim_factory: Any) -> None:
    sim = _small(sim_factory, plan="standard")
    run = run_tap(sim_config(sim, fail_on_forbidden=True))
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert "403 Forbidden" in last
    assert "/v2/reports/happiness/ratings" in last
    assert REPORT not in _sent(run, "SCHEMA")


def test_an_admin_only_list_is_skipped(sim_factory: Any) -> None:
    sim = _small(
        sim_factory,
        faults=[{"path": "/v2/webhooks", "kind": "status", "status": 403, "count": -1}],
    )
    run = run_tap(sim_config(sim))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "webhooks" not in _sent(run, "SCHEMA")
    assert "webhooks" not in _sent(run, "RECORD")
    assert "Skipping stream 'webhooks'" in run.stderr
    assert "administrator" in run.stderr
    assert _sent(run, "RECORD")["tags"] == len(sim.truth("tags")["tags"])
    assert _sent(run, "RECORD")[REPORT] > 0


def test_a_403_on_the_second_mailbox_skips_that_child_stream_whole(sim_factory: Any) -> None:
    sim = _small(
        sim_factory,
        faults=[
            {
                "path": "/v2/mailboxes/{id}/fields",
                "kind": "status",
                "status": 403,
                "after": 1,
                "count": -1,
            }
        ],
    )
    run = run_tap(sim_config(sim))
    assert run.returncode == 0, run.stderr[-3000:]
    assert sim.app.stats.faults_injected.get("status") == 1
    # Fields of the first mailbox were read, but nothing partial leaves: no SCHEMA, no record.
    assert "mailbox_fields" not in _sent(run, "SCHEMA")
    assert "mailbox_fields" not in _sent(run, "RECORD")
    for stream in ("mailboxes", "mailbox_folders", "saved_replies"):
        assert _sent(run, "RECORD")[stream] == len(sim.truth(stream)[stream]), stream
