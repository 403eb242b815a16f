"""Where incremental reads start and stop: start_date, bookmarks, lookback, end_date, margins."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tap_helpscout.tap import END_BOUNDARIES, TapHelpScout
from tests.support.tap_runner import run_tap, sim_config

UTC = datetime.timezone.utc


def _conversation_requests(sim: Any) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlparse(r["path"]).query)
        for r in sim.app.request_log
        if urlparse(r["path"]).path == "/v2/conversations"
    ]


def test_end_date_bounds_the_run_and_the_bookmark(sim_factory: Any) -> None:
    sim = sim_factory(seed=9, conversations=300, customers=50)
    end_date = "2025-03-01T00:00:00Z"
    run = run_tap(sim_config(sim, end_date=end_date))
    assert run.returncode == 0, run.stderr[-2000:]
    bound = datetime.datetime(2025, 3, 1, tzinfo=UTC).timestamp()
    modified = {c.id: c.modified_at for c in sim.app.data.live_conversations()}
    emitted = {r["id"] for r in run.records("conversations")}
    assert emitted == {cid for cid, when in modified.items() if when <= bound}
    assert emitted != set(modified), "some conversations must lie after the end date"
    for state in run.states():
        value = state["bookmarks"].get("conversations", {}).get("replication_key_value")
        assert value is None or value <= end_date
    assert run.states()[-1]["bookmarks"]["conversations"]["replication_key_value"] == end_date


def test_a_bookmark_wins_over_start_date_and_lookback_rereads_before_it(sim_factory: Any) -> None:
    sim = sim_factory(seed=9, conversations=60, customers=20)
    state = {
        "bookmarks": {
            "conversations": {
                "replication_key": "modified_window_end",
                "replication_key_value": "2025-05-01T00:00:00Z",
            }
        }
    }
    run = run_tap(sim_config(sim, lookback_days=10), state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    first = _conversation_requests(sim)[0]
    assert first["modifiedSince"] == ["2025-04-21T00:00:00Z"]
    # The lookback never moves the bookmark back.
    for message in run.states():
        value = message["bookmarks"]["conversations"].get("replication_key_value")
        assert value >= "2025-05-01T00:00:00Z"


def test_without_a_bookmark_the_run_starts_at_start_date(sim_factory: Any) -> None:
    sim = sim_factory(seed=9, conversations=60, customers=20)
    run = run_tap(sim_config(sim, start_date="2024-12-24T10:00:00Z"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert _conversation_requests(sim)[0]["modifiedSince"] == ["2024-12-24T10:00:00Z"]


def _tap(**config: Any) -> TapHelpScout:
    return TapHelpScout(
        config={
            "client_id": "id",
            "client_secret": "not-a-secret-0123456789abcdefghij",
            "start_date": "2020-01-01T00:00:00Z",
            **config,
        },
        parse_env_config=False,
    )


def test_the_safety_margin_keeps_reads_behind_the_sync_start() -> None:
    tap = _tap(safety_margin_minutes=7)
    assert tap.started_at - tap.sync_upper_bound == datetime.timedelta(minutes=7)
    assert tap.sync_end_is_open
    assert not _tap(end_date="2024-01-01T00:00:00Z").sync_end_is_open


@pytest.mark.parametrize(
    ("now", "boundary", "expected"),
    [
        # A Wednesday run covers the week that ended on Sunday.
        ("2026-12-02T06:00:00+00:00", "end_of_last_sunday", "2026-11-30T00:00:00+00:00"),
        ("2026-11-30T00:30:00+00:00", "end_of_last_sunday", "2026-11-30T00:00:00+00:00"),
        ("2026-12-06T23:59:00+00:00", "end_of_last_sunday", "2026-11-30T00:00:00+00:00"),
        ("2026-12-02T06:00:00+00:00", "end_of_yesterday", "2026-12-02T00:00:00+00:00"),
    ],
)
def test_end_boundaries(now: str, boundary: str, expected: str) -> None:
    result = END_BOUNDARIES[boundary](datetime.datetime.fromisoformat(now))
    assert result == datetime.datetime.fromisoformat(expected)


def test_a_parent_read_only_for_its_children_keeps_no_bookmark(sim_factory: Any) -> None:
    # Selecting only the threads must not make a later run that selects conversations skip them.
    from tests.support.tap_runner import discover, select_only

    sim = sim_factory(seed=9, conversations=60, customers=20)
    config = sim_config(sim)
    first = run_tap(config, catalog=select_only(discover(config), {"conversation_threads"}))
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.records("conversation_threads")
    final = first.states()[-1]["bookmarks"]
    assert not final.get("conversations", {}).get("replication_key_value")
    second = run_tap(config, state=first.states()[-1])
    assert len(second.records("conversations")) == len(sim.truth("conversations")["conversations"])
