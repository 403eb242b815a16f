"""Conversions between epoch seconds and the ISO-8601 strings the Help Scout API speaks."""

from __future__ import annotations

import calendar
import re
import time

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Second precision with a Z, as the API writes and as modifiedSince insists on.
_STRICT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
# Looser forms seen in query ranges and report windows.
_LOOSE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
    r"(Z|[+-]00:?00)?$"
)


def iso(epoch: int) -> str:
    """Format epoch seconds as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def iso_no_zone(epoch: int) -> str:
    """Format as the ratings endpoint does, without the trailing Z (API.md section 5.9)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))


def friendly(epoch: int) -> str:
    """Short label like ``Mar 5`` used in ``customerWaitingSince.friendly``."""
    parts = time.gmtime(epoch)
    return f"{_MONTHS[parts.tm_mon - 1]} {parts.tm_mday}"


def _to_epoch(year: str, month: str, day: str, hh: str, mm: str, ss: str) -> int:
    return calendar.timegm((int(year), int(month), int(day), int(hh), int(mm), int(ss), 0, 0, 0))


def parse_strict(text: str) -> int | None:
    """Parse a second-precision UTC timestamp; None when the text has any other form."""
    match = _STRICT.match(text)
    if match is None:
        return None
    try:
        return _to_epoch(*match.groups())
    except (ValueError, OverflowError):
        return None


def has_fraction(text: str) -> bool:
    """Whether a timestamp carries fractional seconds (which modifiedSince rejects)."""
    return re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+", text) is not None


def parse_loose(text: str) -> float | None:
    """Parse a date or datetime in UTC, fractions allowed; None when unreadable."""
    match = _LOOSE.match(text.strip())
    if match is None:
        return None
    year, month, day, hh, mm, ss, frac, _zone = match.groups()
    try:
        whole = _to_epoch(year, month, day, hh or "0", mm or "0", ss or "0")
    except (ValueError, OverflowError):
        return None
    return whole + (float(frac) if frac else 0.0)
