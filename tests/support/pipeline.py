"""A simulator, an emulated BigQuery and a meltano system database, for several `meltano run`s."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devtools.pipeline import JOB, compare, meltano_env, run_meltano

if TYPE_CHECKING:
    from pathlib import Path

    from devtools.bigquery import LocalBigQuery
    from helpscout_sim import SimulatorServer


class Pipeline:
    """Runs the main job against one simulator and one emulator; meltano keeps its state."""

    def __init__(self, sim: SimulatorServer, bq: LocalBigQuery, workdir: Path) -> None:
        self.sim, self.bq, self.workdir = sim, bq, workdir
        self.runs = 0

    def run(self, *, streams: tuple[str, ...] = (), **settings: Any) -> Any:
        """One `meltano run`; with `streams`, only those are selected (fewer tables, faster).

        `settings` are tap settings for this run only, as `TAP_HELPSCOUT_<NAME>` variables.
        """
        self.runs += 1
        env = meltano_env(
            self.sim.url,
            self.bq,
            client_id=self.sim.config.client_id,
            client_secret=self.sim.config.client_secret,
            system_db=self.workdir / "meltano.db",
        )
        for name, value in settings.items():
            env[f"TAP_HELPSCOUT_{name.upper()}"] = json.dumps(value)
        if streams:
            env["TAP_HELPSCOUT__SELECT"] = json.dumps([f"{name}.*" for name in streams])
        return run_meltano(env, *JOB, log_path=self.workdir / f"run{self.runs}.log")

    def compare(self, *, streams: tuple[str, ...] = ()) -> list[Any]:
        """Each table against the simulator's records (only `streams`, when given)."""
        results = compare(self.sim.truth(), self.bq)
        return [result for result in results if not streams or result.stream in streams]
