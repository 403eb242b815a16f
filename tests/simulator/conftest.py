"""Fixtures for the simulator tests: a running simulator and a tiny urllib client for it."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The simulator is a top-level package beside the tap; make it importable however pytest runs.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from helpscout_sim import SimulatorConfig, SimulatorServer  # noqa: E402


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def call(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=30) as response:
            raw = response.read()
            status, header_items = response.status, response.headers.items()
    except urllib.error.HTTPError as error:
        raw = error.read()
        status, header_items = error.code, error.headers.items()
    body = json.loads(raw) if raw else None
    return Reply(status, {name.lower(): value for name, value in header_items}, body)


class Client:
    """Gets a token once and sends authorised GETs."""

    def __init__(self, sim: SimulatorServer) -> None:
        self.sim = sim
        self.url = sim.url
        self.token = self.new_token()

    def new_token(self) -> str:
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.sim.config.client_id,
                "client_secret": self.sim.config.client_secret,
            }
        ).encode()
        reply = call(
            "POST",
            f"{self.url}/v2/oauth2/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert reply.status == 200, reply.body
        return reply.body["access_token"]

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Reply:
        url = path_or_url if path_or_url.startswith("http") else f"{self.url}{path_or_url}"
        if params:
            url += "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        return call("GET", url, headers={"Authorization": f"Bearer {self.token}"})

    def walk(self, path: str, params: dict[str, Any] | None = None, key: str = "") -> list[Any]:
        """Follow ``_links.next`` verbatim and collect every embedded record."""
        records: list[Any] = []
        reply = self.get(path, params)
        seen: set[str] = set()
        while True:
            assert reply.status == 200, reply.body
            records.extend(reply.body.get("_embedded", {}).get(key, []))
            following = reply.body["_links"].get("next")
            if following is None:
                return records
            assert following["href"] not in seen
            seen.add(following["href"])
            reply = self.get(following["href"])

    def truth(self, stream: str) -> list[Any]:
        reply = call("GET", f"{self.url}/_sim/truth?stream={stream}")
        assert reply.status == 200
        return reply.body[stream]

    def control(self, **changes: Any) -> dict[str, Any]:
        reply = call(
            "POST",
            f"{self.url}/_sim/control",
            data=json.dumps(changes).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert reply.status == 200, reply.body
        return reply.body


@pytest.fixture(scope="module")
def sim() -> Any:
    config = SimulatorConfig(seed=7, conversations=150, customers=120, rate_limit_per_minute=0)
    with SimulatorServer(config) as server:
        yield server


@pytest.fixture
def client(sim: SimulatorServer) -> Client:
    return Client(sim)


@pytest.fixture
def fresh_sim() -> Any:
    """A small simulator a test may reconfigure freely."""
    with SimulatorServer(SimulatorConfig(seed=3, conversations=40, customers=30)) as server:
        yield server
