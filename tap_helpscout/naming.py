"""Record and schema keys in the warehouse's preferred case.

Help Scout speaks camelCase; warehouses (and singer-io's tap, whose table layout this tap keeps)
use snake_case. Only keys are renamed, at every depth; values are never touched.
"""

from __future__ import annotations

import functools
import re
import typing as t

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@functools.lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """Return `name` in snake_case: `customerWaitingSince` becomes `customer_waiting_since`.

    Hyphens become underscores too, so `social-profiles` and `social_profiles` agree.
    """
    return _WORD_BOUNDARY.sub("_", name).replace("-", "_").lower()


def snake_case_record(value: t.Any) -> t.Any:
    """Rename every key of a record, nested objects and arrays included."""
    if isinstance(value, dict):
        return {snake_case(key): snake_case_record(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_case_record(item) for item in value]
    return value


def snake_case_schema(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """Rename the properties of a JSON Schema, at every depth, leaving its keywords alone."""
    renamed = dict(schema)
    if "properties" in schema:
        renamed["properties"] = {
            snake_case(name): snake_case_schema(sub) for name, sub in schema["properties"].items()
        }
    if isinstance(schema.get("items"), dict):
        renamed["items"] = snake_case_schema(schema["items"])
    return renamed
