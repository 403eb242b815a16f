"""meltano.yml declares every setting of the tap with the config schema's title and description."""

from __future__ import annotations

from pathlib import Path

import yaml

from tap_helpscout.tap import TapHelpScout

MELTANO_YML = Path(__file__).resolve().parents[2] / "meltano.yml"

# Settings the SDK adds to the config schema of every tap (capabilities), not the tap's own.
SDK_SETTINGS = {
    "stream_maps",
    "stream_map_config",
    "faker_config",
    "flattening_enabled",
    "flattening_max_depth",
    "flattening_max_key_length",
    "flattening_separator",
    "batch_config",
}

KINDS = {
    "string": {"string", "options", "password", "date_iso8601"},
    "integer": {"integer"},
    "boolean": {"boolean"},
    "array": {"array"},
}


def _extractor_settings() -> dict[str, dict]:
    project = yaml.safe_load(MELTANO_YML.read_text())
    tap = next(p for p in project["plugins"]["extractors"] if p["name"] == "tap-helpscout")
    return {setting["name"]: setting for setting in tap["settings"]}


def test_every_setting_has_kind_label_and_the_schemas_description() -> None:
    declared = _extractor_settings()
    schema = {
        name: prop
        for name, prop in TapHelpScout.config_jsonschema["properties"].items()
        if name not in SDK_SETTINGS
    }
    assert set(declared) == set(schema)
    for name, prop in schema.items():
        setting = declared[name]
        types = [kind for kind in prop["type"] if kind != "null"]
        assert setting["kind"] in KINDS[types[0]], name
        assert setting["label"] == prop["title"], name
        assert " ".join(setting["description"].split()) == prop["description"], name
        assert setting.get("sensitive", False) == prop.get("secret", False), name
        if "default" in prop:
            assert setting["value"] == prop["default"], name
