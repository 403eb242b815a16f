"""Fault rules: which requests get a broken answer instead of the real one, and how.

A rule fires by counting the requests that match its path, never by chance, so a failing test
replays exactly: ``after`` matching requests pass first, then it fires on every ``every``-th
matching request after those (every one by default) until it has fired ``count`` times
(-1: without end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("status", "reset", "stall", "truncated", "not_json", "expire_token")
TOKEN_PATH = "/v2/oauth2/token"
_ALLOWED_KEYS = frozenset({"path", "kind", "count", "after", "every", "status", "seconds"})


@dataclass
class FaultRule:
    """One rule and how often it has matched and fired so far."""

    path: str
    kind: str
    count: int = 1
    after: int = 0
    every: int = 1
    status: int = 500
    seconds: float = 0.0
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.path == "*":
            self._pattern = None
        else:
            escaped = re.escape(self.path.rstrip("/") or "/")
            self._pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", escaped) + "$")

    def matches(self, path: str) -> bool:
        """Whether a request path (without query) falls under this rule.

        ``*`` covers every API path except the token endpoint, which a rule must name.
        """
        if self._pattern is None:
            return path != TOKEN_PATH
        return self._pattern.match(path) is not None

    def observe(self, *, may_fire: bool = True) -> bool:
        """Count one matching request; True when the rule fires on it."""
        self.seen += 1
        if not may_fire:
            return False
        position = self.seen - self.after
        if position < 1 or (self.count >= 0 and self.fired >= self.count):
            return False
        if position % self.every:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, Any]:
        """The rule as given plus its counters (shown by ``GET /_sim/control``)."""
        shown: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "count": self.count,
            "after": self.after,
            "every": self.every,
        }
        if self.kind == "status":
            shown["status"] = self.status
        if self.kind == "stall":
            shown["seconds"] = self.seconds
        shown["seen"] = self.seen
        shown["fired"] = self.fired
        return shown


def _integer(rule: dict[str, Any], name: str, default: int, minimum: int) -> int:
    value = rule.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"fault rule {name} must be an integer of at least {minimum}")
    return value


def parse_rules(raw: Any) -> list[FaultRule]:
    """Validate a JSON list of rules; raises ValueError naming the first bad field."""
    if not isinstance(raw, list):
        raise ValueError("faults must be a list of rules")
    rules = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("each fault rule must be an object")
        unknown = sorted(set(item) - _ALLOWED_KEYS)
        if unknown:
            raise ValueError(f"unknown fault rule keys: {unknown}")
        path = item.get("path", "*")
        if not isinstance(path, str) or not (path == "*" or path.startswith("/")):
            raise ValueError("fault rule path must be '*' or start with '/'")
        kind = item.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault rule kind must be one of {FAULT_KINDS}")
        count = _integer(item, "count", 1, -1)
        after = _integer(item, "after", 0, 0)
        every = _integer(item, "every", 1, 1)
        status = _integer(item, "status", 500, 100)
        if status > 599:
            raise ValueError("fault rule status must be an HTTP status (100-599)")
        seconds = item.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError("fault rule seconds must be a non-negative number")
        if kind == "stall" and not seconds:
            raise ValueError("a stall rule needs seconds > 0")
        rules.append(FaultRule(path, kind, count, after, every, status, float(seconds)))
    return rules


def first_firing(rules: list[FaultRule], path: str) -> FaultRule | None:
    """Count the request against every matching rule; the first that fires wins.

    Rules after the winner still count the request as seen, but do not fire on it.
    """
    chosen = None
    for rule in rules:
        if rule.matches(path) and rule.observe(may_fire=chosen is None):
            chosen = rule
    return chosen


GATEWAY_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body>"
    "<center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
)
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Help Scout</title></head><body>"
    "<h1>We'll be right back</h1><p>Help Scout is down for scheduled maintenance.</p>"
    "</body></html>"
)
