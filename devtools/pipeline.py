"""The main job end to end on this machine: simulator -> meltano run -> BigQuery emulator.

`make demo` and the end-to-end tests both go through `run_pipeline` and `compare`, so the demo
checks exactly what the tests check: the rows in each BigQuery table against the records the
simulator holds, by primary key, each record once.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
MELTANO = REPO_ROOT / ".venv" / "bin" / "meltano"
JOB = ("run", "tap-helpscout", "target-bigquery")

# stream -> (key fields in the simulator's API-shaped truth, key columns in BigQuery)
STREAM_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "conversations": (("id",), ("id",)),
    "conversation_threads": (("id",), ("id",)),
    "customers": (("id",), ("id",)),
    "mailboxes": (("id",), ("id",)),
    "mailbox_folders": (("id",), ("id",)),
    "mailbox_fields": (("id",), ("id",)),
    "saved_replies": (("id",), ("id",)),
    "users": (("id",), ("id",)),
    "teams": (("id",), ("id",)),
    "team_members": (("teamId", "id"), ("team_id", "user_id")),
    "tags": (("id",), ("id",)),
    "workflows": (("id",), ("id",)),
    "webhooks": (("id",), ("id",)),
    "organizations": (("id",), ("id",)),
    "customer_properties": (("slug",), ("slug",)),
    "happiness_ratings_report": (
        ("ratingCustomerId", "id", "ratingCreatedAt"),
        ("rating_customer_id", "conversation_id", "rating_created_at"),
    ),
}


def _key_value(value: Any) -> Any:
    """One spelling for a key part on both sides: timestamps as UTC seconds, ids as ints."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return _key_value(parsed)
    return value


def _key(row: dict[str, Any], fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_key_value(row.get(name)) for name in fields)


@dataclasses.dataclass
class StreamComparison:
    """What one BigQuery table holds beside what the simulator holds."""

    stream: str
    simulator: int
    bigquery: int
    missing: list[tuple[Any, ...]]
    unexpected: list[tuple[Any, ...]]
    duplicates: int

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.duplicates)


def simulator_truth(sim_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every record the simulator holds, per stream, in the API's own shape."""
    with urllib.request.urlopen(f"{sim_url}/_sim/truth", timeout=60) as response:
        return json.load(response)


def compare(truth: dict[str, list[dict[str, Any]]], bq: Any) -> list[StreamComparison]:
    """Compare every stream's table with the simulator's records, by primary key."""
    existing = set(bq.tables())
    results = []
    for stream, (truth_fields, bq_fields) in STREAM_KEYS.items():
        expected = {_key(record, truth_fields) for record in truth.get(stream, [])}
        rows = (
            bq.query(f"SELECT {', '.join(bq_fields)} FROM `{bq.project}.{bq.dataset}.{stream}`")
            if stream in existing
            else []
        )
        loaded = [_key(row, bq_fields) for row in rows]
        found = set(loaded)
        results.append(
            StreamComparison(
                stream=stream,
                simulator=len(expected),
                bigquery=len(loaded),
                missing=sorted(expected - found, key=repr),
                unexpected=sorted(found - expected, key=repr),
                duplicates=len(loaded) - len(found),
            )
        )
    return results


def format_report(results: list[StreamComparison]) -> str:
    """A table a person can read: rows per stream, simulator beside BigQuery."""
    lines = [f"{'stream':<26}{'simulator':>10}{'bigquery':>10}  result"]
    for result in results:
        verdict = (
            "ok"
            if result.ok
            else (
                f"MISMATCH: {len(result.missing)} missing, {len(result.unexpected)} unexpected, "
                f"{result.duplicates} duplicate rows"
            )
        )
        lines.append(f"{result.stream:<26}{result.simulator:>10}{result.bigquery:>10}  {verdict}")
    return "\n".join(lines)


def meltano_env(
    sim_url: str, bq: Any, *, client_id: str, client_secret: str, system_db: Path
) -> dict[str, str]:
    """The environment of a `meltano run` that reaches the simulator and the emulator only."""
    env = bq.subprocess_env()
    env.update(
        {
            "HELPSCOUT_SIM_URL": sim_url,
            "HELPSCOUT_SIM_CLIENT_ID": client_id,
            "HELPSCOUT_SIM_CLIENT_SECRET": client_secret,
            # A system database of this run's own: no bookmark from an earlier demo applies.
            "MELTANO_DATABASE_URI": f"sqlite:///{system_db}",
        }
    )
    return env


def run_meltano(
    env: dict[str, str], *args: str, log_path: Path | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run meltano in the repository with `env`; its output goes to `log_path` too."""
    command = [str(MELTANO), "--environment=demo", *args]
    completed = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if log_path is not None:
        log_path.write_text(completed.stdout + completed.stderr)
    return completed


def main() -> int:
    """`make demo`: run the main job against the simulator and the emulator, then check it."""
    sys.path.insert(0, str(REPO_ROOT))
    from devtools.bigquery import LocalBigQuery
    from helpscout_sim import SimulatorConfig, SimulatorServer

    workdir = Path(tempfile.mkdtemp(prefix="helpscout-demo-"))
    log_path = REPO_ROOT / "output" / "demo-meltano.log"
    log_path.parent.mkdir(exist_ok=True)
    config = SimulatorConfig(seed=int(os.environ.get("DEMO_SEED", "7")))
    print("Starting the Help Scout simulator and the local BigQuery emulator on 127.0.0.1 ...")
    with (
        SimulatorServer(config) as sim,
        LocalBigQuery(project="demo-project", dataset="helpscout") as bq,
    ):
        env = meltano_env(
            sim.url,
            bq,
            client_id=config.client_id,
            client_secret=config.client_secret,
            system_db=workdir / "meltano.db",
        )
        print(f"Help Scout simulator: {sim.url}   BigQuery emulator: {bq.rest_url}")
        print("Running: meltano --environment=demo " + " ".join(JOB))
        completed = run_meltano(env, *JOB, log_path=log_path)
        print(f"meltano exited with {completed.returncode}; its log: {log_path}")
        results = compare(simulator_truth(sim.url), bq)
    print()
    print(format_report(results))
    print()
    if completed.returncode != 0 or not all(result.ok for result in results):
        print(
            "The demo FAILED. Look at the meltano log above; the loader can exit 0 although a "
            "load failed, which is why every table was counted."
        )
        for result in results:
            if result.missing:
                print(f"  {result.stream}: first missing keys {result.missing[:5]}")
        return 1
    print(
        "Every table holds exactly the simulator's records. Next: README.md, 'Using real "
        "credentials', to run the same job against Help Scout and BigQuery."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
