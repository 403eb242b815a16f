"""`meltano run tap-helpscout target-bigquery` into the BigQuery emulator, checked table by table.

Real processes over real sockets: the simulator, meltano, the tap, the loader and the emulator.
The loader can exit 0 although a load failed, so every check counts rows in BigQuery.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.bigquery import EMULATOR_PYTHON, LocalBigQuery
from devtools.pipeline import MELTANO, format_report
from helpscout_sim import SimulatorConfig, SimulatorServer
from tests.support.pipeline import Pipeline

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not EMULATOR_PYTHON.exists(), reason="run `make bq-venv` first"),
    pytest.mark.skipif(not MELTANO.exists(), reason="run `make install` first"),
]


@pytest.fixture(scope="module")
def pipeline() -> Iterator[Pipeline]:
    config = SimulatorConfig(seed=13, conversations=90, customers=70, rate_limit_per_minute=0)
    with (
        tempfile.TemporaryDirectory() as folder,
        SimulatorServer(config) as sim,
        LocalBigQuery(project="e2e-project", dataset="helpscout") as bq,
    ):
        yield Pipeline(sim, bq, Path(folder))


def test_first_run_lands_every_stream_exactly(pipeline: Pipeline) -> None:
    completed = pipeline.run()
    assert completed.returncode == 0, completed.stderr[-4000:]
    results = pipeline.compare()
    assert all(result.ok for result in results), format_report(results)
    assert all(result.simulator > 0 for result in results), format_report(results)


def test_tables_have_typed_columns_from_the_declared_schemas(pipeline: Pipeline) -> None:
    fields = {field["name"]: field for field in pipeline.bq.schema("conversations")}
    assert fields["id"]["type"] in {"INTEGER", "INT64"}
    assert fields["created_at"]["type"] == "TIMESTAMP"
    assert fields["customer_waiting_since"]["type"] in {"RECORD", "STRUCT"}
    assert fields["tags"]["mode"] == "REPEATED"
    customers = {field["name"]: field for field in pipeline.bq.schema("customers")}
    assert customers["emails"]["mode"] == "REPEATED"
    assert customers["address"]["type"] in {"RECORD", "STRUCT"}


def test_large_ids_stay_exact(pipeline: Pipeline) -> None:
    expected = {c["id"] for c in pipeline.sim.truth("conversations")["conversations"]}
    loaded = {
        row["id"]
        for row in pipeline.bq.query(
            f"SELECT id FROM `{pipeline.bq.project}.{pipeline.bq.dataset}.conversations`"
        )
    }
    assert max(expected) > 2**31
    assert loaded == expected


def test_a_second_run_changes_nothing_and_duplicates_nothing(pipeline: Pipeline) -> None:
    before = {result.stream: result.bigquery for result in pipeline.compare()}
    completed = pipeline.run()
    assert completed.returncode == 0, completed.stderr[-4000:]
    results = pipeline.compare()
    assert all(result.ok for result in results), format_report(results)
    assert {result.stream: result.bigquery for result in results} == before


def test_a_full_table_stream_that_fails_midway_leaves_its_table_as_it_was(
    pipeline: Pipeline,
) -> None:
    dataset = f"`{pipeline.bq.project}.{pipeline.bq.dataset}`"
    before = {
        table: sorted(row["id"] for row in pipeline.bq.query(f"SELECT id FROM {dataset}.{table}"))
        for table in ("mailboxes", "mailbox_folders")
    }
    assert all(before.values())
    # The second mailbox's folders fail: the folders list can only be read in part.
    pipeline.sim.control(
        faults=[
            {
                "path": "/v2/mailboxes/{id}/folders",
                "kind": "status",
                "status": 400,
                "after": 1,
                "count": -1,
            }
        ]
    )
    try:
        # Only the two streams the test is about: the others' tables cost loader time only.
        completed = pipeline.run(streams=("mailboxes", "mailbox_folders"))
    finally:
        pipeline.sim.control(faults=[])
    assert completed.returncode != 0, "the run should have failed"
    assert pipeline.sim.app.stats.faults_injected.get("status", 0) >= 1
    after = {
        table: sorted(row["id"] for row in pipeline.bq.query(f"SELECT id FROM {dataset}.{table}"))
        for table in ("mailboxes", "mailbox_folders")
    }
    assert after == before
