"""Fault rules fire exactly as configured, on the paths they name, and are counted."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest

from helpscout_sim import SimulatorConfig, SimulatorServer
from helpscout_sim.__main__ import build_parser

from .conftest import Client, call


def _stats(sim: SimulatorServer) -> dict[str, Any]:
    return call("GET", f"{sim.url}/_sim/stats").body


def _raw_get(client: Client, path: str, timeout: float = 10) -> tuple[int, str, bytes]:
    request = urllib.request.Request(
        f"{client.url}{path}", headers={"Authorization": f"Bearer {client.token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def faulty() -> Any:
    with SimulatorServer(SimulatorConfig(seed=3, conversations=40, customers=30)) as server:
        yield server


def test_status_rule_honours_after_and_count(faulty):
    client = Client(faulty)
    client.control(
        faults=[
            {"path": "/v2/conversations", "kind": "status", "status": 503, "after": 1, "count": 2}
        ]
    )
    statuses = [_raw_get(client, "/v2/conversations?status=all")[0] for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    assert client.get("/v2/mailboxes").status == 200  # another path is untouched
    assert _stats(faulty)["faults_injected"] == {"status": 2}
    rule = (
        client.control()["faults"][0]
        if False
        else call("GET", f"{faulty.url}/_sim/control").body["faults"][0]
    )
    assert (rule["seen"], rule["fired"]) == (5, 2)


def test_gateway_errors_are_html_and_500_uses_the_error_envelope(faulty):
    client = Client(faulty)
    client.control(
        faults=[
            {"path": "/v2/users", "kind": "status", "status": 502},
            {"path": "/v2/tags", "kind": "status", "status": 500},
            {"path": "/v2/teams", "kind": "status", "status": 403},
        ]
    )
    status, content_type, body = _raw_get(client, "/v2/users")
    assert (status, content_type) == (502, "text/html")
    assert b"502 Bad Gateway" in body
    server_error = client.get("/v2/tags")
    assert server_error.status == 500
    assert "logRef" in server_error.body
    forbidden = client.get("/v2/teams")
    assert forbidden.status == 403
    assert set(forbidden.body) >= {"logRef", "message", "_links"}
    assert _stats(faulty)["faults_injected"] == {"status": 3}


def test_templated_path_and_every(faulty):
    client = Client(faulty)
    mailbox = client.get("/v2/mailboxes").body["_embedded"]["mailboxes"][0]["id"]
    client.control(
        faults=[
            {
                "path": "/v2/mailboxes/{id}/folders",
                "kind": "status",
                "status": 504,
                "every": 3,
                "count": -1,
            }
        ]
    )
    statuses = [_raw_get(client, f"/v2/mailboxes/{mailbox}/folders")[0] for _ in range(7)]
    assert statuses == [200, 200, 504, 200, 200, 504, 200]
    assert client.get(f"/v2/mailboxes/{mailbox}").status == 200
    assert _stats(faulty)["faults_injected"] == {"status": 2}


def test_star_matches_every_api_path_but_not_the_token_endpoint(faulty):
    client = Client(faulty)
    client.control(faults=[{"path": "*", "kind": "status", "status": 500, "count": -1}])
    assert client.get("/v2/mailboxes").status == 500
    assert client.get("/v2/conversations").status == 500
    client.new_token()  # still answered
    assert call("GET", f"{faulty.url}/_sim/stats").status == 200  # never faulted
    assert _stats(faulty)["faults_injected"] == {"status": 2}


def test_reset_closes_the_connection_without_an_answer(faulty):
    client = Client(faulty)
    client.control(faults=[{"path": "/v2/users", "kind": "reset"}])
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
        _raw_get(client, "/v2/users")
    assert client.get("/v2/users").status == 200
    log = call("GET", f"{faulty.url}/_sim/requests").body["requests"]
    assert [(item["status"], item.get("fault")) for item in log[-2:]] == [(0, "reset"), (200, None)]
    assert _stats(faulty)["faults_injected"] == {"reset": 1}


def test_stall_lets_a_client_timeout_fire(faulty):
    client = Client(faulty)
    client.control(faults=[{"path": "/v2/users", "kind": "stall", "seconds": 1.5}])
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        _raw_get(client, "/v2/users", timeout=0.3)
    assert client.get("/v2/users").status == 200
    assert _stats(faulty)["faults_injected"] == {"stall": 1}


def test_truncated_body_is_half_of_the_real_one(faulty):
    client = Client(faulty)
    whole = _raw_get(client, "/v2/mailboxes")[2]
    client.control(faults=[{"path": "/v2/mailboxes", "kind": "truncated"}])
    status, _, cut = _raw_get(client, "/v2/mailboxes")
    assert status == 200
    assert whole.startswith(cut)
    assert len(cut) == len(whole) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    assert _stats(faulty)["faults_injected"] == {"truncated": 1}


def test_not_json_is_a_200_html_page(faulty):
    client = Client(faulty)
    client.control(faults=[{"path": "/v2/customers", "kind": "not_json", "count": 1}])
    status, content_type, body = _raw_get(client, "/v2/customers")
    assert status == 200
    assert content_type.startswith("text/html")
    assert body.lstrip().startswith(b"<!DOCTYPE html>")
    assert _stats(faulty)["faults_injected"] == {"not_json": 1}


def test_expire_token_invalidates_the_token_early(faulty):
    client = Client(faulty)
    client.control(faults=[{"path": "/v2/mailboxes", "kind": "expire_token", "after": 2}])
    assert client.get("/v2/mailboxes").status == 200
    assert client.get("/v2/users").status == 200  # not matching: does not count
    assert client.get("/v2/mailboxes").status == 200
    assert client.get("/v2/mailboxes").status == 401
    assert client.get("/v2/users").status == 401  # the token is gone for every path
    client.token = client.new_token()
    assert client.get("/v2/mailboxes").status == 200
    stats = _stats(faulty)
    assert stats["faults_injected"] == {"expire_token": 1}
    assert stats["unauthorized"] == 2


def test_rules_from_config_and_cli_and_bad_rules_rejected():
    rules = [{"path": "/v2/tags", "kind": "status", "status": 404}]
    with SimulatorServer(SimulatorConfig(seed=3, conversations=5, faults=rules)) as sim:
        client = Client(sim)
        assert client.get("/v2/tags").status == 404
        client.control(add_faults=[{"path": "/v2/teams", "kind": "not_json"}])
        assert len(call("GET", f"{sim.url}/_sim/control").body["faults"]) == 2
        bad = call("POST", f"{sim.url}/_sim/control", data=b'{"faults": [{"kind": "boom"}]}')
        assert bad.status == 400
        bad = call("POST", f"{sim.url}/_sim/control", data=b'{"faults": [{"kind": "stall"}]}')
        assert bad.status == 400
    args = build_parser().parse_args(["--faults", json.dumps(rules)])
    assert args.faults == rules
    with pytest.raises(ValueError, match="kind"):
        SimulatorConfig(faults=[{"path": "/v2/tags", "kind": "nope"}])
