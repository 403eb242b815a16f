"""Small builders for the JSON Schemas of Help Scout records.

Schemas are written once, with the API's own camelCase names, and renamed to snake_case by
`naming.py` when that mode is on. Every type is nullable: Help Scout omits or nulls fields freely,
and a warehouse column must never flip type because one record lacked a value.
"""

from __future__ import annotations

import typing as t

JSONSchema = dict[str, t.Any]


def _nullable(type_name: str, **extra: t.Any) -> JSONSchema:
    return {"type": [type_name, "null"], **extra}


def string() -> JSONSchema:
    """A nullable string; also used for enums that Help Scout extends over time."""
    return _nullable("string")


def integer() -> JSONSchema:
    """A nullable 64-bit integer (Help Scout ids exceed 2^31)."""
    return _nullable("integer")


def number() -> JSONSchema:
    """A nullable decimal number."""
    return _nullable("number")


def boolean() -> JSONSchema:
    """A nullable boolean."""
    return _nullable("boolean")


def timestamp() -> JSONSchema:
    """A nullable RFC 3339 timestamp; the tap normalises every value to UTC."""
    return _nullable("string", format="date-time")


def array(items: JSONSchema) -> JSONSchema:
    """A nullable array of `items`."""
    return {"type": ["array", "null"], "items": items}


def strings() -> JSONSchema:
    """A nullable array of strings, such as e-mail addresses in `cc`."""
    return array({"type": ["string"]})


def obj(**properties: JSONSchema) -> JSONSchema:
    """A nullable object with exactly these properties."""
    return {"type": ["object", "null"], "properties": properties, "additionalProperties": False}


def record(**properties: JSONSchema) -> JSONSchema:
    """The top-level schema of a stream's records."""
    return {"type": "object", "properties": properties, "additionalProperties": False}


def person(*extra: str) -> JSONSchema:
    """A person as a conversation or thread embeds one (`assignee`, `createdBy`...)."""
    fields: dict[str, JSONSchema] = {
        "id": integer(),
        "type": string(),
        "first": string(),
        "last": string(),
        "photoUrl": string(),
        "email": string(),
    }
    return obj(**{name: fields[name] for name in ("id", *extra)})


def source() -> JSONSchema:
    """Where a conversation or thread came from: `{type, via}`, both open enums."""
    return obj(type=string(), via=string())
