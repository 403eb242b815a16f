"""Where a long sync is: records and pages read of how many, the request rate, the time left.

A backfill of a large account takes many minutes even at the account's rate ceiling. Each
windowed stream logs a progress line at a fixed interval; the lines hold counts only, never a
record value.
"""

from __future__ import annotations

import logging
import math
import time
import typing as t

#: Seconds between two progress lines of one stream.
DEFAULT_INTERVAL_SECONDS = 30.0


class Progress:
    """Counts what one stream has read and logs it every `interval` seconds."""

    def __init__(
        self,
        stream: str,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
        *,
        requests_sent: t.Callable[[], int],
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        """Start counting.

        Args:
            stream: The stream's name, for the log line.
            logger: The stream's logger.
            requests_sent: How many requests the whole tap has sent so far.
            interval: Seconds between two progress lines.
            clock: Monotonic clock, replaceable in tests.
        """
        self._stream = stream
        self._logger = logger
        self._requests_sent = requests_sent
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._requests_at_start = requests_sent()
        self._last_line = self._started
        self.records = 0
        self.pages = 0
        self.expected_records: int | None = None
        self.expected_pages: int | None = None

    def expect(self, records: int, pages: int) -> None:
        """Note how many records and pages the API reported for the whole range, once."""
        if self.expected_records is None:
            self.expected_records, self.expected_pages = records, pages

    def page_read(self, records: int) -> None:
        """Count one page and its new records; log a line when the interval has passed."""
        self.pages += 1
        self.records += records
        now = self._clock()
        if now - self._last_line >= self._interval:
            self._last_line = now
            self.log(now)

    def log(self, now: float | None = None, *, finished: bool = False) -> None:
        """Log where the stream is now (or, when `finished`, what it read in how long)."""
        now = self._clock() if now is None else now
        elapsed = max(now - self._started, 1e-9)
        per_minute = (self._requests_sent() - self._requests_at_start) / elapsed * 60
        expected_records = max(self.expected_records or 0, self.records)
        expected_pages = max(self.expected_pages or 0, self.pages)
        self._logger.info(
            "%s progress: %d of %d records, %d of about %d pages, %.0f requests a minute, %s",
            self._stream,
            self.records,
            expected_records,
            self.pages,
            expected_pages,
            per_minute,
            f"finished in {elapsed:.0f} s"
            if finished
            else self._time_left(elapsed, expected_records),
        )

    def _time_left(self, elapsed: float, expected_records: int) -> str:
        if not self.records:
            return "time left not known yet"
        seconds = (expected_records - self.records) * elapsed / self.records
        minutes, rest = divmod(math.ceil(seconds), 60)
        return f"about {minutes} min {rest} s left"
