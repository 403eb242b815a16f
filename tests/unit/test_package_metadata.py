"""pyproject.toml, LICENSE and the Hub definition tell the same story about the package."""

from __future__ import annotations

import tomllib

from devtools import hub

PROJECT = tomllib.loads(hub.PYPROJECT.read_text())["project"]


def test_the_repository_url_is_the_one_of_the_hub_variant() -> None:
    repo = hub.variant_metadata()["repo"]
    assert PROJECT["urls"]["Repository"] == repo
    assert all(url.startswith(repo) for url in PROJECT["urls"].values())


def test_python_classifiers_are_the_versions_about_reports() -> None:
    prefix = "Programming Language :: Python :: 3."
    classified = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"] if c.startswith(prefix)}
    assert classified == set(hub.about()["supported_python_versions"])


def test_the_licence_file_is_the_licence_declared() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (hub.REPO_ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


def test_keywords_carry_meltano_sdk() -> None:
    assert "meltano_sdk" in PROJECT["keywords"]
