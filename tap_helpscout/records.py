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


class _Plan:
    """What one place of a record must hold, read off the schema once."""

    __slots__ = ("children", "items", "kind", "path")

    def __init__(self, schema: dict[str, t.Any], path: str = "$") -> None:
        self.path = path
        types = schema.get("type", [])
        types = [types] if isinstance(types, str) else list(types)
        declared = [name for name in types if name != "null"]
        self.kind = (
            _DATE_TIME
            if schema.get("format") == _DATE_TIME
            else (declared[0] if len(declared) == 1 else "any")
        )
        self.children: dict[str, _Plan] = {
            name: _Plan(sub, f"{path}.{name}") for name, sub in schema.get("properties", {}).items()
        }
        items = schema.get("items")
        self.items = _Plan(items, f"{path}[]") if isinstance(items, dict) else None


class RecordShaper:
    """Shapes raw API objects of one stream into records that match its declared schema.

    Whatever the API sends, the record fits the schema: a key the schema lacks is left out (and
    named once in the log), a value of the wrong type is converted when that keeps its meaning
    (a number sent as text, an object where text is declared becomes JSON text) and is null
    otherwise, and arrays hold no nulls (BigQuery's repeated fields cannot). Values are never
    logged: they may be personal data.
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
        self._plan = _Plan(api_schema)
        self._rename = snake_case if snake_case_keys else str
        self._lifted = dict(lifted or {})
        self._reported: set[str] = set()

    def __call__(self, raw: dict[str, t.Any]) -> dict[str, t.Any]:
        """Return the record for one API object. `raw` itself is not modified."""
        embedded = raw.get("_embedded")
        top = {key: value for key, value in raw.items() if key != "_embedded"}
        for embedded_key, record_key in self._lifted.items():
            top[record_key] = embedded.get(embedded_key) if isinstance(embedded, dict) else None
        return self._shape_object(top, self._plan)

    def _shape_object(self, value: dict[str, t.Any], plan: _Plan) -> dict[str, t.Any]:
        shaped = {}
        for key, item in value.items():
            child = plan.children.get(key)
            if child is None:
                if key != "_links":
                    self._report(f"{plan.path}.{key}", "is not in the schema; left out")
                continue
            shaped[self._rename(key)] = self._shape(item, child)
        return shaped

    def _shape(self, value: t.Any, plan: _Plan) -> t.Any:
        if value is None:
            return None
        kind = plan.kind
        if kind == _DATE_TIME:
            return to_utc_timestamp(value)
        if kind == "string":
            if isinstance(value, str):
                return value
            if isinstance(value, (dict, list)):
                return json.dumps(value, sort_keys=True, default=str)
            return str(value).lower() if isinstance(value, bool) else str(value)
        if kind == "object":
            if isinstance(value, dict):
                return self._shape_object(value, plan)
        elif kind == "array":
            if isinstance(value, list):
                if plan.items is None:
                    return value
                shaped = (self._shape(item, plan.items) for item in value)
                return [item for item in shaped if item is not None]
        elif kind == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
        elif kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
            try:
                return float(value) if isinstance(value, str) else None
            except ValueError:
                pass
        elif kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false"}:
                return value.lower() == "true"
        else:
            return value
        self._report(plan.path, f"held a {type(value).__name__} where {kind} is declared; nulled")
        return None

    def _report(self, path: str, problem: str) -> None:
        if path not in self._reported:
            self._reported.add(path)
            logger.warning("Help Scout sent something unexpected: %s %s", path, problem)
