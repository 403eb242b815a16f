"""Find the keys and types of a raw API object that a stream's schema has no place for.

This runs on what the API sends, before the SDK, which silently drops undeclared keys.
"""

from __future__ import annotations

import copy
import json
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


# The only keys of the API that no schema holds, on purpose: a webhook's `secret` signs its
# deliveries, and whoever reads the warehouse must not be able to forge them.
LEFT_OUT: dict[str, frozenset[str]] = {"webhooks": frozenset({"secret"})}


def stream_problems(stream: t.Any, obj: dict[str, t.Any]) -> list[str]:
    """What the schema of `stream` (a stream class) has no place for in the raw object `obj`.

    `obj` is what the API sent for one record, with the tap's own renames already applied (a
    ratings row's `id`, a team member's `id`); nothing else of the tap or the SDK has run.
    """
    obj = copy.deepcopy(obj)
    for key in LEFT_OUT.get(stream.name, ()):
        obj.pop(key, None)
    # A thread's `associatedEntities` is stored as JSON text (its keys vary with the action).
    action = obj.get("action")
    if stream.name == "conversation_threads" and isinstance(action, dict):
        action["associatedEntities"] = json.dumps(action.get("associatedEntities"))
    return undeclared(
        obj,
        stream.api_schema,
        lifted=stream.lifted_embedded,
        elsewhere={"threads"} if stream.name == "conversations" else (),
    )


def rating_rows(rows: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """Report rows as the tap names them: `id` is `conversationId`, `threadid` `threadId`."""
    renamed = []
    for row in rows:
        row = dict(row)
        row["conversationId"], row["threadId"] = row.pop("id"), row.pop("threadid")
        renamed.append(row)
    return renamed


def team_members(team_id: int, users: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """A team's members as the tap names them: the member's `id` is `userId`, plus `teamId`."""
    return [
        {"teamId": team_id, "userId": user["id"], **{k: v for k, v in user.items() if k != "id"}}
        for user in users
    ]
