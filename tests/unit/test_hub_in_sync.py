"""The Meltano Hub definition and meltano.yml say what `tap-helpscout --about` says."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from devtools import hub

# Meltano's setting kinds (the Hub's base_setting schema).
MELTANO_KINDS = {
    "oauth",
    "hidden",
    "password",
    "date_iso8601",
    "file",
    "email",
    "integer",
    "options",
    "object",
    "array",
    "boolean",
    "string",
}
FACTS = ("name", "kind", "label", "description", "sensitive")


@pytest.fixture(scope="module")
def about() -> dict[str, Any]:
    return hub.about()


def _facts(settings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["name"]: {key: s.get(key) for key in FACTS} for s in settings}


def _extractor() -> dict[str, Any]:
    project = yaml.safe_load(hub.MELTANO_YML.read_text())
    return next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-helpscout")


def test_committed_files_are_what_make_hub_writes() -> None:
    stale = hub.stale(hub.outputs())
    assert not stale, f"{[str(p.relative_to(hub.REPO_ROOT)) for p in stale]}: run `make hub`"


def test_meltano_yml_declares_the_settings_and_capabilities_of_about(
    about: dict[str, Any],
) -> None:
    extractor = _extractor()
    assert _facts(extractor["settings"]) == _facts(hub.settings(about))
    assert set(extractor["capabilities"]) == set(about["capabilities"])
    assert extractor["settings_group_validation"] == [sorted(about["settings"]["required"])]


def test_every_setting_of_about_is_declared_and_secrets_are_sensitive(
    about: dict[str, Any],
) -> None:
    declared = {s["name"]: s for s in _extractor()["settings"]}
    for name, prop in about["settings"]["properties"].items():
        assert any(key == name or key.startswith(f"{name}.") for key in declared), name
        if prop.get("secret"):
            assert declared[name]["kind"] == "password"
            assert declared[name]["sensitive"] is True
    assert all(setting["kind"] in MELTANO_KINDS for setting in declared.values())


def test_hub_definition_has_what_the_hub_asks_for(about: dict[str, Any]) -> None:
    metadata = hub.variant_metadata()
    path = hub.hub_path(metadata, about)
    definition = yaml.safe_load(path.read_text())
    assert path.stem == definition["variant"] == metadata["variant"]
    assert path.parent.name == definition["name"] == "tap-helpscout"
    assert definition["namespace"] == "tap_helpscout"
    assert definition["pip_url"] == "tap-helpscout-sdk"
    assert definition["executable"] == "tap-helpscout"
    assert "meltano_sdk" in definition["keywords"]
    assert definition["maintenance_status"] in {
        "active",
        "beta",
        "development",
        "inactive",
        "unknown",
    }
    for key in ("label", "description", "logo_url", "domain_url", "repo", "quality"):
        assert definition[key], key
    assert _facts(definition["settings"]) == _facts(hub.settings(about))
    assert [s["name"] for s in definition["settings"]] == sorted(
        s["name"] for s in definition["settings"]
    )


@pytest.mark.parametrize(
    ("prop", "kind"),
    [
        ({"type": ["string"], "secret": True, "writeOnly": True}, "password"),
        ({"type": ["string", "null"], "format": "date-time"}, "date_iso8601"),
        ({"type": ["string", "null"], "enum": ["a", "b"]}, "options"),
        ({"type": ["integer", "null"]}, "integer"),
        ({"type": ["boolean", "null"]}, "boolean"),
        ({"type": ["array", "null"], "items": {"type": ["string"]}}, "array"),
        ({"oneOf": [{"type": ["string"]}, {"type": "array"}, {"type": "null"}]}, "array"),
        ({"oneOf": [{"type": ["number"]}, {"type": ["string"]}]}, "string"),
        ({"type": ["string"], "format": "uri"}, "string"),
    ],
)
def test_json_schema_types_map_to_meltano_kinds(prop: dict[str, Any], kind: str) -> None:
    assert hub.settings({"settings": {"properties": {"x": prop}}})[0]["kind"] == kind


def test_a_type_without_a_meltano_kind_stops_the_generator() -> None:
    with pytest.raises(SystemExit, match="no Meltano kind"):
        hub.settings({"settings": {"properties": {"ratio": {"type": ["number"]}}}})


def test_nested_settings_use_dotted_names_and_open_maps_stay_objects() -> None:
    schema = {
        "settings": {
            "properties": {
                "batch": {
                    "type": ["object", "null"],
                    "properties": {"root": {"type": ["string"]}},
                    "additionalProperties": True,
                },
                "maps": {
                    "type": ["object", "null"],
                    "properties": {"__else__": {"type": ["string"]}},
                    "additionalProperties": {"type": ["string"]},
                },
            }
        }
    }
    assert [(s["name"], s["kind"]) for s in hub.settings(schema)] == [
        ("batch.root", "string"),
        ("maps", "object"),
    ]
