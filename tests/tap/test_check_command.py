"""`tap-helpscout-check` against the simulator: one line per selected stream, ok or why not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.tap_runner import discover, select_only, sim_config

CHECK = Path(sys.executable).with_name("tap-helpscout-check")
TOP_LEVEL = ("conversations", "customers", "mailboxes", "users", "happiness_ratings_report")


def _check(tmp_path: Path, config: dict[str, Any], *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [str(CHECK), "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _lines(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def test_every_selected_stream_is_ok(sim_factory: Any, tmp_path: Path) -> None:
    sim = sim_factory(seed=5)
    result = _check(tmp_path, sim_config(sim))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = _lines(result.stdout)
    for stream in TOP_LEVEL:
        assert lines[stream].startswith("ok ("), lines[stream]
        assert lines[stream].endswith(" records on the first page)")
    assert lines["conversation_threads"].startswith("not requested on its own")
    assert lines["mailbox_folders"].startswith("not requested on its own")
    assert int(lines["conversations"].split("(")[1].split()[0]) > 0


def test_a_plan_without_reports_fails_only_the_ratings(sim_factory: Any, tmp_path: Path) -> None:
    sim = sim_factory(seed=5, plan="standard")
    result = _check(tmp_path, sim_config(sim))
    assert result.returncode == 1
    lines = _lines(result.stdout)
    assert lines["happiness_ratings_report"].startswith("403 Forbidden from Help Scout for GET")
    assert all(lines[s].startswith("ok (") for s in TOP_LEVEL if s != "happiness_ratings_report")


def test_a_wrong_secret_fails_every_stream_and_is_never_printed(
    sim_factory: Any, tmp_path: Path
) -> None:
    sim = sim_factory(seed=5)
    secret = "not-the-secret-4f9a1c"
    result = _check(tmp_path, sim_config(sim, client_secret=secret))
    assert result.returncode == 1
    lines = _lines(result.stdout)
    for stream in TOP_LEVEL:
        assert "refused the credentials" in lines[stream], lines[stream]
    assert secret not in result.stdout + result.stderr


def test_only_the_streams_the_catalog_selects_are_checked(sim_factory: Any, tmp_path: Path) -> None:
    sim = sim_factory(seed=5)
    config = sim_config(sim)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(select_only(discover(config), {"mailboxes", "users"})))
    result = _check(tmp_path, config, "--catalog", str(catalog))
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(_lines(result.stdout)) == {"mailboxes", "users"}


def test_an_invalid_config_is_reported_without_its_secret(tmp_path: Path) -> None:
    result = _check(
        tmp_path,
        {"client_id": "x", "client_secret": 918273645, "api_url": "http://127.0.0.1:9"},
    )
    assert result.returncode == 2
    assert result.stdout.startswith("config: ")
    assert "start_date" in result.stdout
    assert "918273645" not in result.stdout + result.stderr


def test_an_unreachable_api_is_one_line_per_stream(tmp_path: Path) -> None:
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    config = {
        "client_id": "x",
        "client_secret": "y-secret",
        "start_date": "2020-01-01T00:00:00Z",
        "api_url": "http://127.0.0.1:9",
    }
    result = _check(tmp_path, config)
    assert result.returncode == 1
    lines = _lines(result.stdout)
    assert all("Could not reach the Help Scout token endpoint" in lines[s] for s in TOP_LEVEL)


def test_the_config_can_come_from_the_environment(sim_factory: Any) -> None:
    sim = sim_factory(seed=5)
    env = {**os.environ}
    env.update({f"TAP_HELPSCOUT_{k.upper()}": str(v) for k, v in sim_config(sim).items()})
    result = subprocess.run(
        [str(CHECK), "--config", "ENV"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _lines(result.stdout)["users"].startswith("ok (")


def test_the_opt_in_stream_can_be_checked_when_selected(sim_factory: Any, tmp_path: Path) -> None:
    sim = sim_factory(seed=5)
    config = sim_config(sim)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(select_only(discover(config), {"conversation_ids"})))
    result = _check(tmp_path, config, "--catalog", str(catalog))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _lines(result.stdout)["conversation_ids"].startswith("ok (25 records")
