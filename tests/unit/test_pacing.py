"""The pacer: the tap's own cap, slowing down near the account's limit, and 429 holds."""

from __future__ import annotations

import itertools

import requests

from tap_helpscout.pacing import RequestPacer, retry_after_seconds


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _response(**headers: str) -> requests.Response:
    response = requests.Response()
    response.headers.update(headers)
    return response


def test_the_tap_never_sends_more_than_its_cap_in_a_minute() -> None:
    fake = FakeTime()
    pacer = RequestPacer(max_requests_per_minute=10, clock=fake.clock, sleep=fake.sleep)
    for _ in range(10):
        pacer.before_request()
    assert fake.slept == []
    pacer.before_request()
    assert sum(fake.slept) == 60.0


def test_requests_spread_out_as_the_remaining_budget_nears_zero() -> None:
    # Case C2: remaining 5, 4, 3, 2, 1 — each wait longer than the one before.
    fake = FakeTime()
    pacer = RequestPacer(clock=fake.clock, sleep=fake.sleep)
    waits = []
    for remaining in (50, 5, 4, 3, 2, 1):
        pacer.observe(
            _response(
                **{"X-RateLimit-Limit-Minute": "50", "X-RateLimit-Remaining-Minute": str(remaining)}
            )
        )
        before = sum(fake.slept)
        pacer.before_request()
        waits.append(sum(fake.slept) - before)
    assert waits[0] == 0
    assert all(later > earlier for earlier, later in itertools.pairwise(waits[1:]))


def test_after_a_429_nothing_leaves_before_the_time_asked() -> None:
    fake = FakeTime()
    pacer = RequestPacer(clock=fake.clock, sleep=fake.sleep)
    pacer.hold(42)
    pacer.before_request()
    assert sum(fake.slept) == 42


def test_retry_after_headers_are_read_in_order() -> None:
    assert retry_after_seconds(_response(**{"X-RateLimit-Retry-After": "17"})) == 17
    assert retry_after_seconds(_response(**{"Retry-After": "42"})) == 42
    assert (
        retry_after_seconds(_response(**{"X-RateLimit-Retry-After": "x", "Retry-After": "5"})) == 5
    )
    assert retry_after_seconds(_response()) is None
