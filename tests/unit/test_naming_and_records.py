"""Key renaming and record shaping, without any request."""

from __future__ import annotations

import pytest

from tap_helpscout import schema as s
from tap_helpscout.naming import snake_case, snake_case_record, snake_case_schema
from tap_helpscout.records import RecordShaper, to_utc_timestamp


@pytest.mark.parametrize(
    ("api_name", "expected"),
    [
        ("id", "id"),
        ("customerWaitingSince", "customer_waiting_since"),
        ("photoUrl", "photo_url"),
        ("mimeType", "mime_type"),
        ("postalCode", "postal_code"),
        ("social-profiles", "social_profiles"),
        ("social_profiles", "social_profiles"),
        ("threadid", "threadid"),
        ("ratingCustomerId", "rating_customer_id"),
        ("URLValue", "url_value"),
    ],
)
def test_snake_case(api_name: str, expected: str) -> None:
    assert snake_case(api_name) == expected


def test_snake_case_renames_keys_at_every_depth_and_never_values() -> None:
    raw = {"firstName": "McDonald", "tags": [{"tagName": "ReTag"}], "x": {"innerKey": "CamelValue"}}
    assert snake_case_record(raw) == {
        "first_name": "McDonald",
        "tags": [{"tag_name": "ReTag"}],
        "x": {"inner_key": "CamelValue"},
    }


def test_snake_case_schema_keeps_keywords() -> None:
    schema = s.record(userId=s.integer(), nested=s.array(s.obj(createdAt=s.timestamp())))
    renamed = snake_case_schema(schema)
    assert renamed["properties"]["user_id"] == {"type": ["integer", "null"]}
    item = renamed["properties"]["nested"]["items"]
    assert item["properties"]["created_at"]["format"] == "date-time"
    assert item["additionalProperties"] is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T16:40:03Z", "2024-03-05T16:40:03Z"),
        ("2017-12-12T12:12:13", "2017-12-12T12:12:13Z"),
        ("2021-04-12T08:44:34.736330Z", "2021-04-12T08:44:34.736330Z"),
        ("2024-03-05T18:40:03+02:00", "2024-03-05T16:40:03Z"),
        ("2024-03-05", "2024-03-05T00:00:00Z"),
        ("", None),
        (None, None),
        ("not a time", None),
    ],
)
def test_timestamps_leave_as_utc(value: str | None, expected: str | None) -> None:
    assert to_utc_timestamp(value) == expected


def test_shaper_lifts_embedded_drops_links_and_normalises() -> None:
    schema = s.record(
        id=s.integer(),
        createdAt=s.timestamp(),
        emails=s.array(s.obj(id=s.integer(), value=s.string())),
        address=s.obj(postalCode=s.string()),
        attachments=s.array(s.obj(id=s.integer(), mimeType=s.string())),
    )
    shaper = RecordShaper(
        schema,
        snake_case_keys=True,
        lifted={"emails": "emails", "address": "address", "attachments": "attachments"},
    )
    raw = {
        "id": 3000000000,
        "createdAt": "2017-12-12T12:12:13",
        "_embedded": {
            "emails": [{"id": 1, "value": "a@example.org", "_links": {"self": {"href": "x"}}}],
            "attachments": [{"id": 2, "mimeType": "image/png", "_links": {"web": {"href": "y"}}}],
        },
        "_links": {"self": {"href": "z"}},
    }
    assert shaper(raw) == {
        "id": 3000000000,
        "created_at": "2017-12-12T12:12:13Z",
        "emails": [{"id": 1, "value": "a@example.org"}],
        "address": None,
        "attachments": [{"id": 2, "mime_type": "image/png"}],
    }
    assert "_embedded" in raw, "the raw object must not be modified"


def test_shaper_keeps_api_names_in_camel_case_mode() -> None:
    shaper = RecordShaper(s.record(photoUrl=s.string()), snake_case_keys=False)
    assert shaper({"photoUrl": "u"}) == {"photoUrl": "u"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14002", "14002"),
        ("", ""),
        (None, None),
        (14002, "14002"),
        (12.5, "12.5"),
        (True, "true"),
        (["a", "b"], '["a", "b"]'),
        ({"b": 1, "a": None}, '{"a": null, "b": 1}'),
    ],
)
def test_open_ended_values_are_always_strings(value: object, expected: str | None) -> None:
    # Custom field and customer property values: Help Scout sends strings, but a number, a
    # boolean, a list or an object must not change the column's type: it goes as JSON text.
    shaper = RecordShaper(
        s.record(
            customFields=s.array(s.obj(id=s.integer(), value=s.string())),
            properties=s.array(s.obj(value=s.string())),
        ),
        snake_case_keys=True,
        lifted={"properties": "properties"},
    )
    record = shaper(
        {
            "customFields": [{"id": 1, "value": value}],
            "_embedded": {"properties": [{"value": value}]},
        }
    )
    assert record["custom_fields"][0] == {"id": 1, "value": expected}
    assert record["properties"][0] == {"value": expected}
