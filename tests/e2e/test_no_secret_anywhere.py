"""No client secret and no access token in any output of a whole pipeline, failing runs included.

Random secrets and tokens of 32 characters and more; meltano and the tap at debug level; then a
search of stdout, stderr, the meltano and loader logs, the state, and the BigQuery rows.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from devtools.bigquery import EMULATOR_PYTHON, LocalBigQuery
from devtools.pipeline import JOB, MELTANO, REPO_ROOT, meltano_env, run_meltano
from helpscout_sim import SimulatorConfig, SimulatorServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not EMULATOR_PYTHON.exists(), reason="run `make bq-venv` first"),
    pytest.mark.skipif(not MELTANO.exists(), reason="run `make install` first"),
]

CLIENT_SECRET = secrets.token_urlsafe(36)


@pytest.fixture(scope="module")
def outputs() -> dict[str, Any]:
    config = SimulatorConfig(
        seed=29,
        conversations=40,
        customers=30,
        rate_limit_per_minute=0,
        client_secret=CLIENT_SECRET,
    )
    started = time.time()
    texts: list[str] = []
    with (
        tempfile.TemporaryDirectory() as folder,
        SimulatorServer(config) as sim,
        LocalBigQuery(project="secret-project", dataset="helpscout") as bq,
    ):
        env = meltano_env(
            sim.url,
            bq,
            client_id=config.client_id,
            client_secret=CLIENT_SECRET,
            system_db=Path(folder) / "meltano.db",
        )
        env["TAP_HELPSCOUT_LOG_LEVEL"] = "debug"
        env["TAP_HELPSCOUT_MAX_RETRIES"] = "1"
        env["TAP_HELPSCOUT_RETRY_WAIT_SECONDS"] = "0"
        good = run_meltano(env, "--log-level=debug", *JOB)
        sim.control(expire_tokens=True)
        # A failing run: the customers list breaks for good after the first token expired.
        sim.control(
            faults=[{"path": "/v2/customers", "kind": "status", "status": 503, "count": -1}]
        )
        bad = run_meltano(env, "--log-level=debug", *JOB)
        state = run_meltano(env, "state", "get", "demo:tap-helpscout-to-target-bigquery")
        for completed in (good, bad, state):
            texts += [completed.stdout, completed.stderr]
        rows = [
            json.dumps(row, default=str)
            for table in bq.tables()
            for row in bq.query(f"SELECT * FROM `{bq.project}.{bq.dataset}.{table}`")
        ]
        texts.append("\n".join(rows))
        tokens = list(sim.app.tokens)
    for log in (REPO_ROOT / ".meltano").rglob("*.log"):
        if log.stat().st_mtime >= started:
            texts.append(log.read_text(errors="replace"))
    return {"good": good, "bad": bad, "texts": texts, "tokens": tokens, "rows": rows}


def test_the_runs_really_happened(outputs: dict[str, Any]) -> None:
    assert outputs["good"].returncode == 0, outputs["good"].stderr[-3000:]
    assert outputs["bad"].returncode != 0
    assert "Giving up on GET /v2/customers" in outputs["bad"].stderr
    assert len(outputs["tokens"]) >= 2
    assert all(len(token) >= 32 for token in outputs["tokens"])
    assert outputs["rows"]
    assert "DEBUG" in outputs["good"].stderr or "debug" in outputs["good"].stderr


def test_no_secret_and_no_token_in_any_output(outputs: dict[str, Any]) -> None:
    for needle in [CLIENT_SECRET, *outputs["tokens"]]:
        for text in outputs["texts"]:
            assert needle not in text
