"""Find the keys and types of a raw API object that a stream's schema has no place for.

This runs on what the API sends, before the SDK, which silently drops undeclared keys.
"""

from __future__ import annotations

import typing as t

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def _type_ok(value: t.Any, declared: list[str]) -> bool:
    if value is None:
        return "null" in declared
    if isinstance(value, bool):
        return "boolean" in declared
    return any(isinstance(value, _JSON_TYPES[name]) for name in declared if name in _JSON_TYPES)


def undeclared(
    value: t.Any,
    schema: dict[str, t.Any],
    *,
    path: str = "$",
    lifted: t.Mapping[str, str] | None = None,
    elsewhere: t.Collection[str] = (),
) -> list[str]:
    """Paths in `value` that `schema` does not describe, with the reason.

    Args:
        value: A raw API object.
        schema: The stream's schema in the API's own names.
        path: Where `value` sits, for messages.
        lifted: `_embedded` keys that the stream lifts into the record, and their record keys.
        elsewhere: `_embedded` keys that deliberately go to another stream.
    """
    problems: list[str] = []
    declared = schema.get("type", [])
    declared = [declared] if isinstance(declared, str) else declared
    if not _type_ok(value, declared):
        return [f"{path}: {type(value).__name__} where the schema says {declared}"]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key == "_links":
                continue
            if key == "_embedded" and lifted is not None:
                for part, content in (item or {}).items():
                    if part in elsewhere:
                        continue
                    if part not in lifted:
                        problems.append(f"{path}._embedded.{part}: not lifted into the record")
                        continue
                    target = lifted[part]
                    if target not in properties:
                        problems.append(f"{path}.{target}: lifted but not in the schema")
                        continue
                    problems += undeclared(content, properties[target], path=f"{path}.{target}")
                continue
            if key not in properties:
                problems.append(f"{path}.{key}: not in the schema")
                continue
            problems += undeclared(item, properties[key], path=f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problems += undeclared(item, schema["items"], path=f"{path}[{index}]")
    return problems
