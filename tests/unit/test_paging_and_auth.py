"""HAL paging and the token's life, over real HTTP on 127.0.0.1 (a small server, the simulator)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tap_helpscout import schema as s
from tap_helpscout.auth import ClientCredentialsAuthenticator
from tap_helpscout.client import HelpScoutStream
from tap_helpscout.errors import CredentialsRefusedError
from tap_helpscout.tap import TapHelpScout

QUOTED_QUERY = "query=%28subject%3A%22Avis%20d%27octroi%22%29"


class _Pages(BaseHTTPRequestHandler):
    """Three pages whose links carry an encoded query with quotes and an apostrophe."""

    seen: list[str]
    tokens: int

    def do_POST(self) -> None:
        type(self).tokens += 1
        self._reply(
            200, {"token_type": "bearer", "access_token": f"t{self.tokens}", "expires_in": 9}
        )

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        base = f"http://{self.headers['Host']}/v2/things?{QUOTED_QUERY}"
        path = urlsplit(self.path).path
        if path == "/v2/denied":
            self._reply(401, {})
            return
        if path == "/v2/empty":
            self._reply(
                200,
                {
                    "_links": {"self": {"href": base}},
                    "page": {"size": 50, "totalElements": 0, "totalPages": 0, "number": 0},
                },
            )
            return
        number = int(dict(parse_qsl(urlsplit(self.path).query)).get("page", "1"))
        body: dict[str, Any] = {
            "_embedded": {"things": [{"id": number * 10 + i} for i in range(2)]},
            "_links": {
                "self": {"href": f"{base}&page={number}"},
                # The last page still links onward: the page count must stop the loop.
                "next": {"href": f"{base}&page={number + 1}"},
            },
            "page": {"size": 2, "totalElements": 6, "totalPages": 3, "number": number},
        }
        self._reply(200, body)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def pages_server() -> Iterator[tuple[str, type[_Pages]]]:
    handler = type("Handler", (_Pages,), {"seen": [], "tokens": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _stream(api_url: str, path: str = "/things") -> HelpScoutStream:
    tap = TapHelpScout(
        config={
            "client_id": "id",
            "client_secret": "not-a-real-secret-0123456789abcdef",
            "start_date": "2024-01-01T00:00:00Z",
            "api_url": api_url,
        },
        parse_env_config=False,
    )

    class Things(HelpScoutStream):
        name = "things"
        records_key = "things"
        api_schema = s.record(id=s.integer())

        def get_url_params(self, context: Any, next_page_token: Any) -> dict[str, Any]:
            return {"query": '(subject:"Avis d\'octroi")'}

    Things.path = path
    return Things(tap)


def test_next_links_are_followed_verbatim_until_the_last_page(pages_server: Any) -> None:
    url, handler = pages_server
    records = list(_stream(url).request_records(None))
    assert [r["id"] for r in records] == [10, 11, 20, 21, 30, 31]
    assert len(handler.seen) == 3, "no page twice, and no page after the last"
    first, *followed = handler.seen
    assert parse_qsl(urlsplit(first).query) == [("query", '(subject:"Avis d\'octroi")')]
    assert followed == [f"/v2/things?{QUOTED_QUERY}&page=2", f"/v2/things?{QUOTED_QUERY}&page=3"]
    for path in handler.seen:
        names = [name for name, _ in parse_qsl(urlsplit(path).query)]
        assert len(names) == len(set(names)), f"a parameter was sent twice: {path}"


def test_an_empty_page_without_embedded_is_zero_records(pages_server: Any) -> None:
    url, handler = pages_server
    assert list(_stream(url, "/empty").request_records(None)) == []
    assert len(handler.seen) == 1


def test_a_fresh_token_refused_again_means_bad_credentials(pages_server: Any) -> None:
    url, handler = pages_server
    with pytest.raises(CredentialsRefusedError, match="client_id / client_secret"):
        list(_stream(url, "/denied").request_records(None))
    assert handler.tokens == 2, "one renewal after the first 401, then stop"


def test_the_token_is_renewed_before_it_expires(sim_factory: Any) -> None:
    sim = sim_factory(token_expires_in=3600)
    now = [1000.0]
    auth = ClientCredentialsAuthenticator(
        token_url=f"{sim.url}/v2/oauth2/token",
        client_id=sim.config.client_id,
        client_secret=sim.config.client_secret,
        clock=lambda: now[0],
    )
    first = auth.current_token
    now[0] += 3000
    assert auth.current_token == first
    now[0] += 3600 - 60 - 3000
    assert auth.current_token != first
    assert auth.tokens_issued == 2


def test_a_401_gets_one_new_token_and_the_same_request_again(sim_factory: Any) -> None:
    sim = sim_factory(mailboxes=2)
    tap = TapHelpScout(
        config={
            "client_id": sim.config.client_id,
            "client_secret": sim.config.client_secret,
            "start_date": "2024-01-01T00:00:00Z",
            "api_url": sim.url,
        },
        parse_env_config=False,
    )
    mailboxes = tap.streams["mailboxes"]
    assert len(list(mailboxes.request_records(None))) == 2
    sim.control(expire_tokens=True)
    assert len(list(mailboxes.request_records(None))) == 2
    stats = sim.app.stats
    assert stats.unauthorized == 1
    assert stats.tokens_issued == 2


def test_a_wrong_secret_is_one_clear_error_without_the_secret(sim_factory: Any) -> None:
    sim = sim_factory()
    secret = "wrong-secret-5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f"
    auth = ClientCredentialsAuthenticator(
        token_url=f"{sim.url}/v2/oauth2/token",
        client_id=sim.config.client_id,
        client_secret=secret,
    )
    with pytest.raises(CredentialsRefusedError) as caught:
        _ = auth.current_token
    message = str(caught.value)
    assert "refused the credentials" in message
    assert "\n" not in message
    assert secret not in message
    assert secret not in repr(auth)
