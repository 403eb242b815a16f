"""The README's settings and streams tables are what the tap itself reports."""

from __future__ import annotations

from devtools.docs import README, render


def test_readme_tables_match_the_tap() -> None:
    current = README.read_text()
    assert render(current) == current, "README.md is out of date: run `make docs`"
