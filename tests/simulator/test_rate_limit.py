"""Per-minute budget shared by all tokens, its headers, and the 429 variants."""

from __future__ import annotations

from helpscout_sim import SimulatorConfig, SimulatorServer

from .conftest import Client, call


def test_headers_on_every_response(fresh_sim):
    client = Client(fresh_sim)
    first = client.get("/v2/mailboxes")
    second = client.get("/v2/users")
    assert first.headers["x-ratelimit-limit-minute"] == "400"
    remaining = int(first.headers["x-ratelimit-remaining-minute"])
    assert int(second.headers["x-ratelimit-remaining-minute"]) == remaining - 1
    assert first.headers["content-type"] == "application/hal+json"


def test_429_when_budget_is_spent_and_shared_between_tokens():
    with SimulatorServer(SimulatorConfig(seed=1, conversations=5, rate_limit_per_minute=3)) as sim:
        one, two = Client(sim), Client(sim)
        one.control(reset_rate_window=True)
        assert one.get("/v2/mailboxes").status == 200
        assert two.get("/v2/mailboxes").status == 200
        assert one.get("/v2/mailboxes").status == 200
        blocked = two.get("/v2/mailboxes")
        assert blocked.status == 429
        assert blocked.body == {"message": "API rate limit exceeded"}
        assert blocked.headers["x-ratelimit-remaining-minute"] == "0"
        assert 1 <= int(blocked.headers["x-ratelimit-retry-after"]) <= 60
        assert "retry-after" not in blocked.headers

        one.control(retry_after_header="retry-after")
        blocked = one.get("/v2/mailboxes")
        assert "retry-after" in blocked.headers
        assert "x-ratelimit-retry-after" not in blocked.headers
        assert call("GET", f"{sim.url}/_sim/stats").body["rate_limited"] == 2


def test_other_client_spends_the_budget(fresh_sim):
    client = Client(fresh_sim)
    client.control(rate_limit_per_minute=200, reset_rate_window=True, spend_budget=150)
    reply = client.get("/v2/mailboxes")
    assert reply.headers["x-ratelimit-remaining-minute"] == "49"


def test_unlimited_still_sends_headers(client):
    reply = client.get("/v2/mailboxes")
    assert reply.status == 200
    assert "x-ratelimit-limit-minute" in reply.headers
    assert "x-ratelimit-remaining-minute" in reply.headers


def test_control_rejects_unknown_keys(sim):
    reply = call("POST", f"{sim.url}/_sim/control", data=b'{"nonsense": 1}')
    assert reply.status == 400
    reply = call("POST", f"{sim.url}/_sim/control", data=b'{"plan": "gold"}')
    assert reply.status == 400
