"""A small parser and evaluator for the ``query`` search syntax of the list endpoints.

It covers what extraction uses - ``modifiedAt``/``createdAt`` ranges with ``*`` open ends - plus a
few exact or substring fields and ``AND``/``OR``/``NOT`` with parentheses. Anything else is a 400,
so a client relying on syntax the simulator does not model finds out at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpscout_sim.timeutil import parse_loose

DATE_FIELDS = frozenset({"modifiedAt", "createdAt"})

_RANGE = re.compile(r'(\w+):\[\s*("[^"]*"|\S+?)\s+TO\s+("[^"]*"|\S+?)\s*\]')
_QUOTED = re.compile(r'(\w+):"((?:[^"\\]|\\.)*)"')
_GROUP = re.compile(r"(\w+):\(([^()]*)\)")
_BARE = re.compile(r"(\w+):([^\s()]+)")
_OPERATOR = re.compile(r"(AND|OR|NOT)(?=[\s(]|$)")


class QueryError(ValueError):
    """The query cannot be parsed or uses a field the simulator does not support."""


@dataclass(frozen=True)
class Term:
    """One ``field:value`` condition."""

    field: str
    kind: str  # "range", "text" or "values"
    low: float | None = None
    high: float | None = None
    values: tuple[str, ...] = ()


Node = tuple[Any, ...]  # ("and"|"or", [nodes]) | ("not", node) | ("term", Term)


def _tokenize(text: str) -> list[Any]:
    tokens: list[Any] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
            continue
        if char in "()":
            tokens.append(char)
            position += 1
            continue
        match = _OPERATOR.match(text, position)
        if match:
            tokens.append(match.group(1))
            position = match.end()
            continue
        match = _RANGE.match(text, position)
        if match:
            low, high = (_range_bound(match.group(i)) for i in (2, 3))
            tokens.append(Term(match.group(1), "range", low=low, high=high))
            position = match.end()
            continue
        match = _QUOTED.match(text, position)
        if match:
            value = match.group(2).replace('\\"', '"')
            tokens.append(Term(match.group(1), "text", values=(value,)))
            position = match.end()
            continue
        match = _GROUP.match(text, position)
        if match:
            parts = [part for part in match.group(2).split() if part not in ("OR",)]
            tokens.append(Term(match.group(1), "values", values=tuple(p.strip('"') for p in parts)))
            position = match.end()
            continue
        match = _BARE.match(text, position)
        if match:
            tokens.append(Term(match.group(1), "values", values=(match.group(2),)))
            position = match.end()
            continue
        raise QueryError(f"cannot read the query at position {position}: {text[position:][:20]!r}")
    return tokens


def _range_bound(raw: str) -> float | None:
    raw = raw.strip('"')
    if raw == "*":
        return None
    moment = parse_loose(raw)
    if moment is None:
        raise QueryError(f"unsupported date in range: {raw!r}")
    return moment


class _Parser:
    def __init__(self, tokens: list[Any]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> Any:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Any:
        token = self.peek()
        self.position += 1
        return token

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def parse_and(self) -> Node:
        parts = [self.parse_unary()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def parse_unary(self) -> Node:
        token = self.take()
        if token == "NOT":
            return ("not", self.parse_unary())
        if token == "(":
            inner = self.parse_or()
            if self.take() != ")":
                raise QueryError("unbalanced parentheses in query")
            return inner
        if isinstance(token, Term):
            return ("term", token)
        raise QueryError(f"unexpected {token!r} in query")


def parse(text: str, allowed_fields: frozenset[str]) -> Node:
    """Parse ``text``; raise QueryError for bad syntax or a field outside ``allowed_fields``."""
    tokens = _tokenize(text)
    if not tokens:
        raise QueryError("empty query")
    parser = _Parser(tokens)
    tree = parser.parse_or()
    if parser.position != len(tokens):
        raise QueryError("unbalanced parentheses in query")
    for term in terms(tree):
        if term.field not in allowed_fields:
            raise QueryError(f"query field {term.field!r} is not supported by the simulator")
        if (term.field in DATE_FIELDS) != (term.kind == "range"):
            raise QueryError(f"field {term.field!r} needs a [A TO B] range here")
    return tree


def terms(tree: Node) -> list[Term]:
    """Every term of the tree."""
    if tree[0] == "term":
        return [tree[1]]
    if tree[0] == "not":
        return terms(tree[1])
    return [term for child in tree[1] for term in terms(child)]


def top_level_ranges(tree: Node) -> dict[str, tuple[float | None, float | None]]:
    """Date ranges every match must satisfy (ANDed at the top), used to narrow by bisection."""
    found: dict[str, tuple[float | None, float | None]] = {}
    nodes = tree[1] if tree[0] == "and" else [tree]
    for node in nodes:
        if node[0] == "term" and node[1].kind == "range":
            term: Term = node[1]
            low, high = found.get(term.field, (None, None))
            if term.low is not None:
                low = term.low if low is None else max(low, term.low)
            if term.high is not None:
                high = term.high if high is None else min(high, term.high)
            found[term.field] = (low, high)
    return found


Getter = Callable[[Any, str], Any]


def matches(tree: Node, record: Any, getter: Getter) -> bool:
    """Evaluate the tree for one record; ``getter(record, field)`` reads a field's value(s)."""
    head = tree[0]
    if head == "and":
        return all(matches(child, record, getter) for child in tree[1])
    if head == "or":
        return any(matches(child, record, getter) for child in tree[1])
    if head == "not":
        return not matches(tree[1], record, getter)
    term: Term = tree[1]
    value = getter(record, term.field)
    if term.kind == "range":
        return (term.low is None or value >= term.low) and (term.high is None or value <= term.high)
    if term.kind == "text":
        needle = term.values[0].lower()
        return any(needle in str(item).lower() for item in _as_list(value))
    wanted = {item.lower() for item in term.values}
    return any(str(item).lower() in wanted for item in _as_list(value))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
