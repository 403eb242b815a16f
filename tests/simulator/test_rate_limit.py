"""Per-minute budget shared by all tokens, its headers, and the 429 variants."""

from __future__ import annotations

from typing import Any

from helpscout_sim import SimulatorConfig, SimulatorServer
from helpscout_sim.app import SimulatorApp

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


class _Clock:
    """A clock the test moves by hand, so window arithmetic is exact."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _app_with_clock(clock: _Clock, **settings: Any) -> tuple[SimulatorApp, str]:
    app = SimulatorApp(SimulatorConfig(seed=1, conversations=5, **settings), clock=clock)
    token_reply = app.handle(
        "POST",
        "/v2/oauth2/token",
        {"content-type": "application/x-www-form-urlencoded"},
        b"grant_type=client_credentials&client_id=sim-client-id&client_secret=sim-client-secret",
        "http://127.0.0.1:1",
    )
    return app, token_reply.body["access_token"]


def _get(app: SimulatorApp, token: str, path: str = "/v2/mailboxes") -> Any:
    return app.handle("GET", path, {"authorization": f"Bearer {token}"}, b"", "http://127.0.0.1:1")


def test_retry_after_is_the_rest_of_a_short_window_rounded_up():
    clock = _Clock(1_000_000.0)  # a multiple of 5: a window starts here
    app, token = _app_with_clock(clock, rate_limit_per_minute=2, rate_window_seconds=5)
    assert _get(app, token).status == 200
    assert _get(app, token).status == 200
    clock.now += 1.2
    blocked = _get(app, token)
    assert blocked.status == 429
    assert blocked.headers["X-RateLimit-Retry-After"] == "4"  # 3.8 s left, rounded up
    clock.now += 3.0
    assert _get(app, token).headers["X-RateLimit-Retry-After"] == "1"  # 0.8 s left
    clock.now += 1.0
    assert _get(app, token).status == 200  # a new window


def test_other_client_spends_its_share_spread_over_the_window():
    clock = _Clock(1_000_020.0)  # a multiple of 60
    app, token = _app_with_clock(clock, rate_limit_per_minute=200, other_client_per_minute=150)
    first = _get(app, token)
    assert first.headers["X-RateLimit-Remaining-Minute"] == "199"  # nobody else spent yet
    clock.now += 30
    half = _get(app, token)
    assert half.headers["X-RateLimit-Remaining-Minute"] == str(200 - 2 - 75)
    clock.now += 29.9
    late = _get(app, token)
    assert late.headers["X-RateLimit-Remaining-Minute"] == str(200 - 3 - 149)
    assert app.stats_state()["other_client_requests"] == 149


def test_shared_budget_runs_out_before_own_use_explains_it():
    """Case C1: limit 200, another client spends 150, so the tap is refused long before 200."""
    clock = _Clock(1_000_020.0)
    app, token = _app_with_clock(clock, rate_limit_per_minute=200, other_client_per_minute=150)
    clock.now += 43  # the other client has spent floor(150 * 43 / 60) = 107
    statuses = [_get(app, token).status for _ in range(100)]
    assert statuses.count(200) == 93
    blocked = _get(app, token)
    assert blocked.status == 429
    assert blocked.headers["X-RateLimit-Remaining-Minute"] == "0"
    assert blocked.headers["X-RateLimit-Retry-After"] == "17"


def test_rate_window_and_other_client_switch_at_runtime(fresh_sim):
    client = Client(fresh_sim)
    state = client.control(rate_window_seconds=5, other_client_per_minute=40)
    assert state["rate_window_seconds"] == 5
    assert state["other_client_per_minute"] == 40
    assert state["seconds_to_window_reset"] <= 5
    reply = call("POST", f"{fresh_sim.url}/_sim/control", data=b'{"rate_window_seconds": 0}')
    assert reply.status == 400
