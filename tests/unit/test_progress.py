"""Progress lines: counts of how many, a rate and the time left, at an interval, no values."""

from __future__ import annotations

import logging

import pytest

from tap_helpscout.progress import Progress


def test_a_line_every_interval_with_counts_rate_and_time_left(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    sent = [0]
    progress = Progress(
        "conversations",
        logging.getLogger("test-progress"),
        requests_sent=lambda: sent[0],
        interval=30,
        clock=lambda: now[0],
    )
    progress.expect(1000, 40)
    with caplog.at_level(logging.INFO, logger="test-progress"):
        for _ in range(10):
            now[0] += 5
            sent[0] += 2
            progress.page_read(25)
    lines = [record.getMessage() for record in caplog.records]
    # 50 s in 5 s steps: one line at 30 s, the next would be at 60 s.
    assert lines == [
        "conversations progress: 150 of 1000 records, 6 of about 40 pages, "
        "24 requests a minute, about 2 min 50 s left"
    ]
