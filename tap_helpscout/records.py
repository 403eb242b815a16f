"""Turn a Help Scout API object into a warehouse record, guided by the stream's schema.

One pass per record: HAL navigation (`_links`) is dropped at every depth, the parts of `_embedded`
that a stream lifts become ordinary keys, timestamps become RFC 3339 UTC, a value that is not a
string where the schema says string becomes its JSON text, and keys are renamed to snake_case
when that mode is on. Values are otherwise left exactly as the API sent them.
"""

from __future__ import annotations

import datetime
import json
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


def to_text(value: t.Any) -> t.Any:
    """`value` as a string: strings and None unchanged, anything else as its JSON text.

    Open-ended values (custom field and customer property values) are strings in the API; should
    one come as a number, a boolean, a list or an object, its column keeps its type all the same.
    """
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


class _Plan:
    """What to do with one level of a record: which keys hold timestamps, text or nested parts."""

    __slots__ = ("children", "is_text", "is_timestamp", "items")

    def __init__(self, schema: dict[str, t.Any]) -> None:
        self.is_timestamp = schema.get("format") == _DATE_TIME
        kinds = schema.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        self.is_text = not self.is_timestamp and [k for k in kinds if k != "null"] == ["string"]
        self.children: dict[str, _Plan] = {
            name: _Plan(sub) for name, sub in schema.get("properties", {}).items()
        }
        items = schema.get("items")
        self.items = _Plan(items) if isinstance(items, dict) else None


class RecordShaper:
    """Shapes raw API objects of one stream into records that match its declared schema."""

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
        self._plan = _Plan(api_schema)
        self._rename = snake_case if snake_case_keys else str
        self._lifted = dict(lifted or {})

    def __call__(self, raw: dict[str, t.Any]) -> dict[str, t.Any]:
        """Return the record for one API object. `raw` itself is not modified."""
        embedded = raw.get("_embedded")
        top = {key: value for key, value in raw.items() if key != "_embedded"}
        for embedded_key, record_key in self._lifted.items():
            top[record_key] = embedded.get(embedded_key) if isinstance(embedded, dict) else None
        return self._shape_object(top, self._plan)

    def _shape_object(self, value: dict[str, t.Any], plan: _Plan | None) -> dict[str, t.Any]:
        children = plan.children if plan else {}
        return {
            self._rename(key): self._shape(item, children.get(key))
            for key, item in value.items()
            if key != "_links"
        }

    def _shape(self, value: t.Any, plan: _Plan | None) -> t.Any:
        if plan is not None and plan.is_timestamp:
            return to_utc_timestamp(value)
        if plan is not None and plan.is_text:
            return to_text(value)
        if isinstance(value, dict):
            return self._shape_object(value, plan)
        if isinstance(value, list):
            items = plan.items if plan else None
            return [self._shape(item, items) for item in value]
        return value
