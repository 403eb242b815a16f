"""Request windows for the streams that Help Scout can filter by time.

Conversations carry no modification time, so a bookmark cannot be read off records: it is the end
of the last window the tap asked for and finished. Windows are half-open, (start, end], so
consecutive windows neither overlap nor leave a gap. Their length adapts to the data: a window
that holds too many pages is split before it is read (paging deep into a live result set is where
records slip between pages), and an empty stretch of history is crossed in a few large steps
instead of one request per week.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils

UTC = datetime.timezone.utc


def parse_time(value: str | datetime.datetime) -> datetime.datetime:
    """Parse an ISO 8601 timestamp; one without a zone is taken as UTC."""
    parsed = (
        value
        if isinstance(value, datetime.datetime)
        else datetime.datetime.fromisoformat(value.replace("z", "Z"))
    )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(value: datetime.datetime) -> str:
    """Format a time as Help Scout accepts it: UTC, whole seconds, with `Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass(frozen=True)
class Window:
    """The half-open interval (start, end] of modification or creation times."""

    start: datetime.datetime
    end: datetime.datetime


class WindowPlanner:
    """Proposes the windows between two times, oldest first, sized by what the last ones held.

    The first proposal covers everything: a quiet account is read in one window. When a
    window's first page reports more than `max_pages` pages, the window is shrunk in proportion
    before any of it is emitted; after a finished window the next one is sized to hold about
    `target_pages` pages, growing at most `max_growth` times per step.
    """

    def __init__(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        *,
        target_pages: int = 20,
        max_pages: int = 40,
        min_span: datetime.timedelta = datetime.timedelta(seconds=1),
        max_growth: float = 16.0,
    ) -> None:
        """Plan windows from `start` (exclusive) to `end` (inclusive)."""
        self._start = start
        self._end = end
        self._span = end - start
        self._target_pages = target_pages
        self._max_pages = max_pages
        self._min_span = min_span
        self._max_growth = max_growth
        self.windows_split = 0

    def next_window(self) -> Window | None:
        """The next window to read, or None when the end is reached."""
        if self._start >= self._end:
            return None
        span = max(self._span, self._min_span)
        return Window(self._start, min(self._start + span, self._end))

    def is_too_large(self, window: Window, total_pages: int) -> bool:
        """Say whether `window` must be split; if so, the next proposal is smaller."""
        span = window.end - window.start
        if total_pages <= self._max_pages or span <= self._min_span:
            return False
        self._span = max(span * (self._target_pages / total_pages), self._min_span)
        self.windows_split += 1
        return True

    def skip_empty(self, window: Window, until: datetime.datetime, total_pages: int) -> None:
        """Note that nothing of the too large `window` lies before `until`: start from there.

        The `total_pages` the window held all lie between `until` and its end, so the next
        proposal is sized by that stretch alone.
        """
        if not window.start < until < window.end:
            return
        self._start = until
        span = (window.end - until) * (self._target_pages / max(total_pages, 1))
        self._span = max(span, self._min_span)

    def finish(self, window: Window, total_pages: int) -> None:
        """Record that `window` was read whole, and size the next one."""
        self._start = window.end
        span = window.end - window.start
        growth = self._max_growth if total_pages == 0 else self._target_pages / total_pages
        self._span = max(span * min(growth, self._max_growth), self._min_span)


class ServerClock:
    """Help Scout's time, estimated from the `Date` header of its answers.

    Windows that reach up to "now" must use the server's now, not this machine's: a change the
    server stamps during a read has to fall after the window's end.
    """

    def __init__(self) -> None:
        """Start with no offset from this machine's clock."""
        self._offset = datetime.timedelta(0)

    def observe(self, date_header: str | None) -> None:
        """Learn the offset from a response's `Date` header (whole seconds)."""
        if not date_header:
            return
        try:
            server = email.utils.parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            return
        self._offset = server - datetime.datetime.now(tz=UTC)

    def now(self) -> datetime.datetime:
        """The server's current time, to the second."""
        return (datetime.datetime.now(tz=UTC) + self._offset).replace(microsecond=0)
