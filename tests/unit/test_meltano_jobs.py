"""meltano.yml's daily and weekly jobs: separate extractors (so separate state), right bounds."""

from __future__ import annotations

from pathlib import Path

import yaml

PROJECT = yaml.safe_load((Path(__file__).resolve().parents[2] / "meltano.yml").read_text())


def test_the_weekly_extractor_inherits_the_tap_and_stops_at_the_end_of_last_week() -> None:
    extractors = {plugin["name"]: plugin for plugin in PROJECT["plugins"]["extractors"]}
    weekly = extractors["tap-helpscout--weekly"]
    assert weekly["inherit_from"] == "tap-helpscout"
    assert weekly["config"] == {"end_boundary": "end_of_last_sunday"}


def test_daily_and_weekly_jobs_run_different_extractors_into_bigquery() -> None:
    jobs = {job["name"]: job["tasks"] for job in PROJECT["jobs"]}
    assert jobs["helpscout-daily"] == ["tap-helpscout target-bigquery"]
    assert jobs["helpscout-weekly"] == ["tap-helpscout--weekly target-bigquery"]
    schedules = {schedule["name"]: schedule for schedule in PROJECT["schedules"]}
    assert schedules["helpscout-daily"]["interval"] == "@daily"
    # Wednesdays: the week that ended on Sunday, once support has had time to tag it.
    assert schedules["helpscout-weekly"]["interval"].split()[4] == "3"


def test_the_opt_in_stream_is_not_selected_by_meltano() -> None:
    # Meltano selects everything by default; conversation_ids must be asked for.
    tap = next(p for p in PROJECT["plugins"]["extractors"] if p["name"] == "tap-helpscout")
    assert tap["select"] == ["*.*", "!conversation_ids.*"]
