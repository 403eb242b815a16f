"""Run the tap as a real process and read what it wrote, message by message."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TAP = Path(sys.executable).with_name("tap-helpscout")


@dataclasses.dataclass
class TapRun:
    """The messages, log and exit code of one tap process."""

    returncode: int
    messages: list[dict[str, Any]]
    stderr: str

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def counts(self) -> dict[str, int]:
        return dict(
            collections.Counter(m["stream"] for m in self.messages if m["type"] == "RECORD")
        )

    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def schema(self, stream: str) -> dict[str, Any]:
        return next(
            m["schema"] for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream
        )


def sim_config(sim: Any, **overrides: Any) -> dict[str, Any]:
    """A tap config that reaches `sim` with its own credentials."""
    config = {
        "client_id": sim.config.client_id,
        "client_secret": sim.config.client_secret,
        "start_date": "2020-01-01T00:00:00Z",
        "api_url": sim.url,
    }
    config.update(overrides)
    return config


def run_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 300,
) -> TapRun:
    """Run `tap-helpscout` with `config` (and `state`, `catalog`) and collect its output."""
    with tempfile.TemporaryDirectory() as folder:
        command = [str(TAP), "--config", _write(folder, "config.json", config), *args]
        if state is not None:
            command += ["--state", _write(folder, "state.json", state)]
        if catalog is not None:
            command += ["--catalog", _write(folder, "catalog.json", catalog)]
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    return TapRun(completed.returncode, messages, completed.stderr)


def _write(folder: str, name: str, content: dict[str, Any]) -> str:
    path = Path(folder) / name
    path.write_text(json.dumps(content))
    return str(path)


def select_only(catalog: dict[str, Any], streams: set[str]) -> dict[str, Any]:
    """Mark only `streams` selected in a discovered catalog."""
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def discover(config: dict[str, Any]) -> dict[str, Any]:
    """The catalog `tap-helpscout --discover` prints for `config`."""
    with tempfile.TemporaryDirectory() as folder:
        completed = subprocess.run(
            [str(TAP), "--config", _write(folder, "config.json", config), "--discover"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return json.loads(completed.stdout)
