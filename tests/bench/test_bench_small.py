"""A small run of the benchmark: it prints its table and spends at most 1.05 x the minimum."""

from __future__ import annotations

import pytest

from devtools import bench


def test_a_small_benchmark_prints_its_table_within_the_request_minimum(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = bench.main(["--scenarios", "a", "--conversations", "300"])
    printed = capsys.readouterr().out
    assert "| scenario | tap |" in printed
    assert "| a: requests | ours |" in printed
    full, unchanged = rows
    assert full.minimum is not None
    assert full.minimum <= full.requests <= 1.05 * full.minimum
    assert full.run.record_total > 300
    # An incremental run with nothing changed: one request per incremental stream (three) and
    # the small full-table lists (mailboxes, the folders of three mailboxes, users).
    assert unchanged.requests <= 3 + 1 + 3 + 1
