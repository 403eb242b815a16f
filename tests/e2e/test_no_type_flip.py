"""The same records loaded again, with a field null in one run and an object in the other.

Two `meltano run`s into the BigQuery emulator whose data differ in exactly that: conversations
reassigned (an `assignee` object becomes null, a null one an object) or closed (`closedByUser`
appears), customers given or deprived of their `address`; the same conversations, customers and
mailboxes load twice. No column changes type, every row holds the simulator's latest values,
ids above 2^31 stay exact and every timestamp is a TIMESTAMP, also those the API sends without
a zone (the ratings report is switched to that form here).
"""

from __future__ import annotations

import dataclasses
import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.bigquery import EMULATOR_PYTHON, LocalBigQuery
from devtools.pipeline import MELTANO, format_report
from helpscout_sim import SimulatorConfig, SimulatorServer
from tap_helpscout.naming import snake_case_schema
from tap_helpscout.tap import STREAM_TYPES
from tests.support.pipeline import Pipeline

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not EMULATOR_PYTHON.exists(), reason="run `make bq-venv` first"),
    pytest.mark.skipif(not MELTANO.exists(), reason="run `make install` first"),
]

# The streams this test is about; selecting only them keeps the two runs short.
STREAMS = ("conversations", "customers", "mailboxes", "happiness_ratings_report")
SCHEMAS = {stream.name: snake_case_schema(stream.api_schema) for stream in STREAM_TYPES}


@dataclasses.dataclass
class Flipped:
    """What the two runs left behind."""

    pipeline: Pipeline
    schemas: tuple[dict[str, Any], dict[str, Any]]
    counts: tuple[dict[str, int], dict[str, int]]
    unassigned: int  # conversation: assignee object -> null, closedByUser null -> object
    assigned: int  # conversation: assignee null -> object
    assignee: int
    moved_out: int  # customer: address object -> null
    moved_in: int  # customer: address null -> object
    first_rows: dict[str, dict[int, dict[str, Any]]]

    def rows(self, table: str, ids: tuple[int, ...]) -> dict[int, dict[str, Any]]:
        return _rows(self.pipeline, table, ids)


def _rows(pipeline: Pipeline, table: str, ids: tuple[int, ...]) -> dict[int, dict[str, Any]]:
    bq = pipeline.bq
    listed = ", ".join(str(i) for i in ids)
    sql = f"SELECT * FROM `{bq.project}.{bq.dataset}.{table}` WHERE id IN ({listed})"
    return {row["id"]: row for row in bq.query(sql)}


def _tables(pipeline: Pipeline) -> tuple[dict[str, Any], dict[str, int]]:
    bq = pipeline.bq
    return (
        {table: bq.schema(table) for table in STREAMS},
        {table: bq.count(table) for table in STREAMS},
    )


def _run(pipeline: Pipeline) -> None:
    # No safety margin: the second run must read what was changed a moment before it.
    completed = pipeline.run(streams=STREAMS, safety_margin_minutes=0)
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert pipeline.bq.failed_jobs() == []
    results = pipeline.compare(streams=STREAMS)
    assert all(result.ok for result in results), format_report(results)


@pytest.fixture(scope="module")
def flipped() -> Iterator[Flipped]:
    config = SimulatorConfig(
        seed=17,
        conversations=40,
        customers=30,
        rate_limit_per_minute=0,
        report_times_without_zone=True,
    )
    with (
        tempfile.TemporaryDirectory() as folder,
        SimulatorServer(config) as sim,
        LocalBigQuery(project="flip-project", dataset="helpscout") as bq,
    ):
        pipeline = Pipeline(sim, bq, Path(folder))
        _run(pipeline)
        assert pipeline.bq.tables() == sorted(STREAMS)
        first = _tables(pipeline)

        data = sim.app.data
        live = [c for c in data.live_conversations() if c.status != "closed"]
        unassigned = next(c for c in live if c.assignee_id)
        assigned = next(c for c in live if not c.assignee_id)
        assignee = int(data.users[-1]["id"])
        moved_out = next(c for c in data.customers if c.variant == 0)
        moved_in = next(c for c in data.customers if c.variant == 2)
        first_rows = {
            "conversations": _rows(pipeline, "conversations", (unassigned.id, assigned.id)),
            "customers": _rows(pipeline, "customers", (moved_out.id, moved_in.id)),
        }
        sim.control(edit={"conversation": unassigned.id, "assignee": None, "status": "closed"})
        sim.control(edit={"conversation": assigned.id, "assignee": assignee})
        sim.control(edit={"customer": moved_out.id, "address": False})
        sim.control(edit={"customer": moved_in.id, "address": True})

        _run(pipeline)
        second = _tables(pipeline)
        yield Flipped(
            pipeline,
            (first[0], second[0]),
            (first[1], second[1]),
            unassigned.id,
            assigned.id,
            assignee,
            moved_out.id,
            moved_in.id,
            first_rows,
        )


def _columns(fields: list[dict[str, Any]]) -> dict[str, Any]:
    # By name: the loader may put its own `_sdc_*` columns in another order when it replaces a
    # table, which is no change of type.
    return {
        field["name"]: (field["type"], field["mode"], _columns(field.get("fields", [])))
        for field in fields
    }


def test_no_column_changes_type_and_no_row_is_duplicated(flipped: Flipped) -> None:
    before, after = flipped.schemas
    for table in STREAMS:
        assert _columns(after[table]) == _columns(before[table]), table
    assert flipped.counts[1] == flipped.counts[0]


def test_the_first_run_held_the_opposite_values(flipped: Flipped) -> None:
    conversations = flipped.first_rows["conversations"]
    assert conversations[flipped.unassigned]["assignee"]["id"]
    assert conversations[flipped.unassigned]["closed_by_user"] is None
    assert conversations[flipped.assigned]["assignee"] is None
    customers = flipped.first_rows["customers"]
    assert customers[flipped.moved_out]["address"]["city"]
    assert customers[flipped.moved_in]["address"] is None


def test_the_rows_hold_the_values_of_the_second_run(flipped: Flipped) -> None:
    conversations = flipped.rows("conversations", (flipped.unassigned, flipped.assigned))
    closed = conversations[flipped.unassigned]
    assert closed["assignee"] is None
    assert closed["status"] == "closed"
    assert closed["closed_by_user"]["id"] == closed["closed_by"]
    assert conversations[flipped.assigned]["assignee"]["id"] == flipped.assignee
    customers = flipped.rows("customers", (flipped.moved_out, flipped.moved_in))
    assert customers[flipped.moved_out]["address"] is None
    assert customers[flipped.moved_in]["address"]["city"]


def _timestamp_columns(schema: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("format") == "date-time":
            found.append(prefix + name)
        found += _timestamp_columns(prop.get("items", prop), f"{prefix}{name}.")
    return found


def _column_types(fields: list[dict[str, Any]], prefix: str = "") -> dict[str, str]:
    types = {}
    for field in fields:
        types[prefix + field["name"]] = field["type"]
        types.update(_column_types(field.get("fields", []), f"{prefix}{field['name']}."))
    return types


def test_every_timestamp_is_a_timestamp_column(flipped: Flipped) -> None:
    for table in STREAMS:
        types = _column_types(flipped.schemas[1][table])
        stamps = _timestamp_columns(SCHEMAS[table])
        assert stamps, table
        assert {name: types[name] for name in stamps} == dict.fromkeys(stamps, "TIMESTAMP")


def test_times_sent_without_a_zone_land_as_the_same_utc_instant(flipped: Flipped) -> None:
    sim, bq = flipped.pipeline.sim, flipped.pipeline.bq
    truth = sim.truth("happiness_ratings_report")["happiness_ratings_report"]
    assert truth
    assert not [row for row in truth if row["ratingCreatedAt"].endswith("Z")]
    expected = {
        datetime.datetime.fromisoformat(row["ratingCreatedAt"]).replace(
            tzinfo=datetime.timezone.utc
        )
        for row in truth
    }
    loaded = {
        row["rating_created_at"].astimezone(datetime.timezone.utc)
        for row in bq.query(
            f"SELECT rating_created_at FROM `{bq.project}.{bq.dataset}.happiness_ratings_report`"
        )
    }
    assert loaded == expected


def test_ids_above_2_to_the_31_stay_exact(flipped: Flipped) -> None:
    sim, bq = flipped.pipeline.sim, flipped.pipeline.bq
    expected = {c["id"] for c in sim.truth("conversations")["conversations"]}
    assert max(expected) > 2**31
    loaded = {
        row["id"] for row in bq.query(f"SELECT id FROM `{bq.project}.{bq.dataset}.conversations`")
    }
    assert loaded == expected
