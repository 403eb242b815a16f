"""Window planning: coverage without gaps or overlaps, splitting, and growth over empty history."""

from __future__ import annotations

import datetime
import itertools

from tap_helpscout.windows import Window, WindowPlanner, format_time, parse_time

UTC = datetime.timezone.utc
START = datetime.datetime(2000, 1, 1, tzinfo=UTC)
END = datetime.datetime(2026, 12, 1, tzinfo=UTC)


def _run(planner: WindowPlanner, pages_of) -> list[Window]:
    """Drive a planner the way a stream does; return the windows that were read whole."""
    read: list[Window] = []
    for _ in range(10_000):
        window = planner.next_window()
        if window is None:
            return read
        pages = pages_of(window)
        if planner.is_too_large(window, pages):
            continue
        planner.finish(window, pages)
        read.append(window)
    raise AssertionError("the planner never finished")


def test_a_quiet_account_is_one_window() -> None:
    windows = _run(WindowPlanner(START, END), lambda window: 3)
    assert windows == [Window(START, END)]


def test_windows_cover_the_range_without_gap_or_overlap() -> None:
    dense_from = datetime.datetime(2023, 1, 1, tzinfo=UTC)

    def pages_of(window: Window) -> int:
        # One page of 25 conversations per day since 2023, nothing before.
        begin = max(window.start, dense_from)
        return max(0, (window.end - begin).days)

    planner = WindowPlanner(START, END, target_pages=20, max_pages=40)
    windows = _run(planner, pages_of)
    assert windows[0].start == START
    assert windows[-1].end == END
    for before, after in itertools.pairwise(windows):
        assert before.end == after.start
    assert all(pages_of(window) <= 40 for window in windows)
    # Twenty-three empty years cost a handful of probes, not one per week.
    probes = len(windows) + planner.windows_split
    assert probes < len(windows) * 1.1 + 5


def test_a_window_never_shrinks_below_the_minimum() -> None:
    planner = WindowPlanner(START, START + datetime.timedelta(seconds=3))
    windows = _run(planner, lambda window: 1000)
    assert windows[-1].end == START + datetime.timedelta(seconds=3)


def test_times_round_trip_in_the_apis_format() -> None:
    assert format_time(parse_time("2024-03-05T18:40:03.5+02:00")) == "2024-03-05T16:40:03Z"
    assert parse_time("2017-12-12T12:12:13").tzinfo is not None


def test_an_empty_stretch_before_the_records_is_skipped_after_a_split() -> None:
    planner = WindowPlanner(START, END)
    window = planner.next_window()
    assert window is not None
    assert planner.is_too_large(window, 200)
    data_start = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    planner.skip_empty(window, data_start, 200)
    following = planner.next_window()
    assert following is not None
    assert following.start == data_start
    assert following.end - following.start == (END - data_start) * (20 / 200)


def test_a_floor_outside_the_window_changes_nothing() -> None:
    planner = WindowPlanner(START, END)
    window = planner.next_window()
    assert window is not None
    assert planner.is_too_large(window, 200)
    before = planner.next_window()
    planner.skip_empty(window, START - datetime.timedelta(days=1), 200)
    assert planner.next_window() == before
