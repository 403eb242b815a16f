"""Token endpoint and 401s on resource calls."""

from __future__ import annotations

import json
import time
import urllib.parse

from helpscout_sim import SimulatorConfig, SimulatorServer

from .conftest import Client, call


def _form(**values: str) -> bytes:
    return urllib.parse.urlencode(values).encode()


def test_form_token_has_client_credentials_shape(sim):
    reply = call(
        "POST",
        f"{sim.url}/v2/oauth2/token",
        data=_form(
            grant_type="client_credentials",
            client_id="sim-client-id",
            client_secret="sim-client-secret",
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert set(reply.body) == {"token_type", "access_token", "expires_in"}
    assert reply.body["token_type"] == "bearer"
    assert reply.body["expires_in"] == 172800
    assert len(reply.body["access_token"]) >= 32


def test_json_token_is_accepted(sim):
    body = {
        "grant_type": "client_credentials",
        "client_id": "sim-client-id",
        "client_secret": "sim-client-secret",
    }
    reply = call(
        "POST",
        f"{sim.url}/v2/oauth2/token",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200
    assert "refresh_token" not in reply.body


def test_wrong_secret_is_invalid_client(sim):
    reply = call(
        "POST",
        f"{sim.url}/v2/oauth2/token",
        data=_form(
            grant_type="client_credentials", client_id="sim-client-id", client_secret="nope"
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 401
    assert reply.body["error"] == "invalid_client"
    assert "error_description" in reply.body


def test_missing_and_unknown_tokens_are_401(sim):
    assert call("GET", f"{sim.url}/v2/mailboxes").status == 401
    reply = call("GET", f"{sim.url}/v2/mailboxes", headers={"Authorization": "Bearer nope"})
    assert reply.status == 401
    assert reply.body == {}
    assert "x-ratelimit-limit-minute" in reply.headers


def test_expire_all_tokens_then_new_token_works(fresh_sim):
    client = Client(fresh_sim)
    assert client.get("/v2/mailboxes").status == 200
    client.control(expire_tokens=True, unauthorized_body="oauth")
    reply = client.get("/v2/mailboxes")
    assert reply.status == 401
    assert reply.body["error"] == "invalid_token"
    client.token = client.new_token()
    assert client.get("/v2/mailboxes").status == 200
    stats = call("GET", f"{fresh_sim.url}/_sim/stats").body
    assert stats["tokens_issued"] == 2
    assert stats["unauthorized"] == 1


def test_tokens_expire_after_expires_in():
    with SimulatorServer(SimulatorConfig(seed=2, conversations=5, token_expires_in=1)) as sim:
        client = Client(sim)
        assert client.get("/v2/users/me").status == 200
        time.sleep(1.2)
        assert client.get("/v2/users/me").status == 401


def test_refresh_token_grant_issues_a_token_and_a_new_refresh_token(sim):
    reply = call(
        "POST",
        f"{sim.url}/v2/oauth2/token",
        data=_form(
            grant_type="refresh_token",
            client_id="sim-client-id",
            client_secret="sim-client-secret",
            refresh_token="any-refresh-token",
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert reply.body["refresh_token"] not in {"", "any-refresh-token"}
    token = reply.body["access_token"]
    listed = call("GET", f"{sim.url}/v2/users", headers={"Authorization": f"Bearer {token}"})
    assert listed.status == 200


def test_refresh_token_grant_needs_the_client_and_a_refresh_token(sim):
    for values in (
        {"client_id": "sim-client-id", "client_secret": "wrong", "refresh_token": "r"},
        {"client_id": "sim-client-id", "client_secret": "sim-client-secret"},
    ):
        reply = call(
            "POST",
            f"{sim.url}/v2/oauth2/token",
            data=_form(grant_type="refresh_token", **values),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert reply.status in {400, 401}
