"""Turn a Help Scout API object into a warehouse record, guided by the stream's schema.

One pass per record: HAL navigation (`_links`) is dropped at every depth, the parts of `_embedded`
that a stream lifts become ordinary keys, timestamps become RFC 3339 UTC, and keys are renamed to
snake_case when that mode is on. Values are otherwise left exactly as the API sent them.
"""

from __future__ import annotations

import datetime
import logging
import re
import typing as t

from tap_helpscout.naming import snake_case

logger = logging.getLogger(__name__)

_CANONICAL_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_DATE_TIME = "date-time"


def to_utc_timestamp(value: t.Any) -> str | None:
    """Return `value` as an RFC 3339 UTC timestamp, or None when it is not a timestamp.

    Help Scout usually sends `2024-03-05T16:40:03Z`, but ratings come without a zone
    (`2017-12-12T12:12:13`, which is UTC) and chat times with microseconds.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and _CANONICAL_UTC.match(value):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("z", "Z"))
    except ValueError:
        # The value itself is not logged: a malformed field may hold personal data.
        logger.warning("Dropping a value that is not a timestamp (%s characters)", len(str(value)))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    parsed = parsed.astimezone(datetime.timezone.utc)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if parsed.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return parsed.strftime(pattern)


class _Plan:
    """What to do with one level of a record, worked out once per stream, not per record.

    `fields` maps each declared API key to its record key and what to do with its value: None
    to keep it as it is, `_TIMESTAMP` to normalise it, or the plan of a nested object or list.
    """

    __slots__ = ("fields", "is_timestamp", "items")

    def __init__(self, schema: dict[str, t.Any], rename: t.Callable[[str], str]) -> None:
        self.is_timestamp = schema.get("format") == _DATE_TIME
        self.fields: dict[str, tuple[str, _Plan | None]] = {}
        for name, sub in schema.get("properties", {}).items():
            child = _Plan(sub, rename)
            self.fields[name] = (rename(name), child if child.does_something else None)
        items = schema.get("items")
        item_plan = _Plan(items, rename) if isinstance(items, dict) else None
        self.items = item_plan if item_plan is not None and item_plan.does_something else None

    @property
    def does_something(self) -> bool:
        return self.is_timestamp or bool(self.fields) or self.items is not None


class RecordShaper:
    """Shapes raw API objects of one stream into records that match its declared schema.

    Keys the schema does not declare are left out, as the SDK's type conformance would leave
    them out (every object of the schema forbids additional properties); the stream turns that
    conformance off, so this is the one pass over each record.
    """

    def __init__(
        self,
        api_schema: dict[str, t.Any],
        *,
        snake_case_keys: bool,
        lifted: t.Mapping[str, str] | None = None,
    ) -> None:
        """Prepare a shaper.

        Args:
            api_schema: The stream's schema, with the API's own camelCase names.
            snake_case_keys: Rename keys to snake_case.
            lifted: Keys of `_embedded` to lift into the record, mapped to their record key.
        """
        self._plan = _Plan(api_schema, snake_case if snake_case_keys else str)
        self._lifted = dict(lifted or {})
        self._dropped: set[str] = set()

    def __call__(self, raw: dict[str, t.Any]) -> dict[str, t.Any]:
        """Return the record for one API object. `raw` itself is not modified."""
        if self._lifted:
            embedded = raw.get("_embedded")
            raw = dict(raw)
            for embedded_key, record_key in self._lifted.items():
                raw[record_key] = embedded.get(embedded_key) if isinstance(embedded, dict) else None
        return self._shape_object(raw, self._plan)

    def _shape_object(self, value: dict[str, t.Any], plan: _Plan) -> dict[str, t.Any]:
        fields = plan.fields
        shaped: dict[str, t.Any] = {}
        for key, item in value.items():
            found = fields.get(key)
            if found is None:
                if key not in _NAVIGATION:
                    self._note_dropped(key)
                continue
            name, child = found
            shaped[name] = item if child is None or item is None else self._shape(item, child)
        return shaped

    def _shape(self, value: t.Any, plan: _Plan) -> t.Any:
        if plan.is_timestamp:
            if isinstance(value, str) and _CANONICAL_UTC.match(value):
                return value
            return to_utc_timestamp(value)
        if isinstance(value, dict):
            return self._shape_object(value, plan) if plan.fields else value
        if isinstance(value, list):
            items = plan.items
            if items is None:
                return value
            return [self._shape(item, items) if item is not None else None for item in value]
        return value

    def _note_dropped(self, key: str) -> None:
        if key not in self._dropped:
            self._dropped.add(key)
            logger.warning("Leaving out the field %s: the stream's schema does not declare it", key)


# HAL navigation and embedded parts: never columns (lifted parts are read before shaping).
_NAVIGATION = frozenset({"_links", "_embedded"})
