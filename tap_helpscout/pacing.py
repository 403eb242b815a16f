"""Sharing the account's per-minute request budget with everything else that uses it.

Help Scout's limit belongs to the whole account: every integration and agent tool spends the
same budget. The pacer sits in front of every request the tap sends, across all streams and
threads: it keeps the tap's own rate under the configured cap, slows down as the server's
`X-RateLimit-Remaining-Minute` nears zero, and after a 429 holds every request until the time
the server asked for has passed.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    import requests

logger = logging.getLogger("tap-helpscout.pacing")

WINDOW_SECONDS = 60.0
# Below this share of the limit left in the minute, requests are spread out.
RESERVE_SHARE = 0.1


def retry_after_seconds(response: requests.Response) -> float | None:
    """The wait a 429 asks for: `X-RateLimit-Retry-After` first, then `Retry-After`."""
    for header in ("X-RateLimit-Retry-After", "Retry-After"):
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            continue
    return None


class RequestPacer:
    """Decides when the next request may leave. Safe to share across threads."""

    def __init__(
        self,
        *,
        max_requests_per_minute: int | None = None,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        """Create a pacer.

        Args:
            max_requests_per_minute: The tap's own cap, leaving room for other tools.
            clock: Monotonic clock, replaceable in tests.
            sleep: Sleep function, replaceable in tests.
        """
        self._cap = max_requests_per_minute or None
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: collections.deque[float] = collections.deque()
        self._limit: int | None = None
        self._remaining: int | None = None
        self._blocked_until = 0.0
        self.waited_seconds = 0.0
        #: Requests let through so far, by every stream and thread.
        self.requests_sent = 0

    def before_request(self) -> None:
        """Wait, if needed, until the next request may be sent, and count it as sent."""
        while True:
            with self._lock:
                now = self._clock()
                wait, reason = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    self.requests_sent += 1
                    if self._remaining is not None:
                        self._remaining -= 1
                    return
            logger.info("Waiting %.1f s before the next request: %s", wait, reason)
            self.waited_seconds += wait
            self._sleep(wait)

    def _wait_needed(self, now: float) -> tuple[float, str]:
        if now < self._blocked_until:
            return self._blocked_until - now, "Help Scout answered 429 (rate limit reached)"
        while self._sent and self._sent[0] <= now - WINDOW_SECONDS:
            self._sent.popleft()
        if self._cap and len(self._sent) >= self._cap:
            reason = f"the tap's own cap of {self._cap} requests a minute is reached"
            return self._sent[0] + WINDOW_SECONDS - now, reason
        if self._limit and self._remaining is not None:
            reserve = max(2.0, self._limit * RESERVE_SHARE)
            if self._remaining < reserve:
                # Spread what is left over the rest of the minute, more slowly the less is left.
                spacing = WINDOW_SECONDS / self._limit * reserve / max(self._remaining, 1)
                last = self._sent[-1] if self._sent else now - spacing
                reason = (
                    f"{self._remaining} of the account's {self._limit} requests a minute are "
                    "left, and other tools share them"
                )
                return last + min(spacing, WINDOW_SECONDS) - now, reason
        return 0.0, ""

    def observe(self, response: requests.Response) -> None:
        """Learn the account's budget from a response's rate-limit headers."""
        limit = _int_header(response, "X-RateLimit-Limit-Minute")
        remaining = _int_header(response, "X-RateLimit-Remaining-Minute")
        with self._lock:
            if limit is not None:
                self._limit = limit
            if remaining is not None:
                self._remaining = remaining

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (after a 429), whichever stream or thread asks."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)
            self._remaining = None


def _int_header(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
