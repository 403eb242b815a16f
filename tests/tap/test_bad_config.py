"""Bad settings: a one-line error that names the setting, before any request, never the secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.tap_runner import run_tap, sim_config

SECRET = "a-secret-that-must-never-show-0123456789abcdef"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"client_id": None}, "client_id"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"client_secret": None}, "client_secret"),
        ({"start_date": "last tuesday"}, "start_date"),
        ({"start_date": None}, "start_date"),
        ({"end_date": "2019-01-01T00:00:00Z"}, "end_date is before start_date"),
        ({"end_date": "soon"}, "end_date"),
        ({"api_url": "ftp://api.example.invalid"}, "api_url"),
        ({"api_url": "not a url"}, "api_url"),
        ({"key_case": "kebab"}, "key_case"),
        ({"max_requests_per_minute": 0}, "max_requests_per_minute"),
        ({"end_boundary": "end_of_time"}, "end_boundary"),
        # A secret of the wrong type: jsonschema would quote it in its message.
        ({"client_secret": 918273645918273645918273645918273645}, "client_secret"),
    ],
)
def test_bad_settings_are_refused_before_any_request(
    shared_sim: Any, changes: dict[str, Any], named: str
) -> None:
    config = sim_config(shared_sim, client_secret=SECRET)
    secret = str(changes.get("client_secret") or SECRET)
    for key, value in changes.items():
        if value is None:
            config.pop(key)
        else:
            config[key] = value
    before = shared_sim.app.stats.total_requests
    run = run_tap(config)
    assert run.returncode != 0
    assert shared_sim.app.stats.total_requests == before, "no request may be sent"
    errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert any(named in line for line in errors), run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert secret not in run.stderr
    assert secret not in "".join(str(m) for m in run.messages)


def test_discovery_needs_no_credentials_and_no_network() -> None:
    import subprocess

    from tests.support.tap_runner import TAP

    completed = subprocess.run(
        [str(TAP), "--discover"], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    names = {entry["tap_stream_id"] for entry in json.loads(completed.stdout)["streams"]}
    assert "conversations" in names


def test_an_unknown_setting_is_named_in_a_warning(shared_sim: Any) -> None:
    from tests.support.tap_runner import discover, select_only

    config = sim_config(shared_sim, clientsecret=SECRET)
    run = run_tap(config, catalog=select_only(discover(config), {"users"}))
    assert run.returncode == 0
    assert "Ignoring unknown settings: clientsecret" in run.stderr
    assert SECRET not in run.stderr


def test_a_state_file_that_is_not_json_is_one_line(shared_sim: Any, tmp_path: Any) -> None:
    import subprocess

    from tests.support.tap_runner import TAP

    config, state = tmp_path / "config.json", tmp_path / "state.json"
    config.write_text(json.dumps(sim_config(shared_sim)))
    state.write_text("")
    completed = subprocess.run(
        [str(TAP), "--config", str(config), "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "not valid JSON" in completed.stderr.strip().splitlines()[-1]
