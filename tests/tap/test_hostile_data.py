"""Odd and hostile API data never crashes the tap nor produces a record its schema doesn't describe.

A small HTTP server on 127.0.0.1 plays Help Scout and answers with what a broken or malicious
API might send: huge strings, unexpected nesting, nulls where objects belong, unknown enum
values, unicode and NUL characters, numbers as text, `_embedded` of the wrong shape.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.support.tap_runner import discover, run_tap, select_only

HUGE = "x" * 2_000_000
WEIRD_TEXT = "Ünïcödé 🎉 \u202etxet\u202c \u0000 NUL\u0000 ‮"

CONVERSATIONS = [
    {
        "id": 3000000001,
        "number": "17",
        "threads": "2",
        "type": "telepathy",
        "status": "archived-ish",
        "state": None,
        "subject": ["not", "a", "string"],
        "preview": HUGE,
        "mailboxId": 1,
        "assignee": None,
        "createdBy": "customer",
        "createdAt": "2024-03-04T09:15:22Z",
        "closedAt": "yesterday",
        "userUpdatedAt": None,
        "customerWaitingSince": None,
        "source": "email",
        "tags": {"id": 1, "tag": "should be a list"},
        "cc": ["a@example.org", None, 5],
        "customFields": [{"id": 1, "name": "Plan", "value": {"nested": [1, 2]}, "text": 3}],
        "primaryCustomer": {"id": "90010001", "first": WEIRD_TEXT, "extra": {"deep": True}},
        "brandNewField": {"x": 1},
        "_embedded": {
            "threads": [
                {
                    "id": 8100000001,
                    "type": "note",
                    "state": "quantum",
                    "body": WEIRD_TEXT,
                    "createdAt": "2024-03-04T09:15:22.123456+02:00",
                    "action": {"associatedEntities": []},
                    "_embedded": {"attachments": {"not": "a list"}},
                },
                {
                    "id": 8100000002,
                    "type": "message",
                    "body": HUGE,
                    "to": "one@example.org",
                    "rating": "great",
                    "_embedded": [],
                },
            ]
        },
    },
    {"id": 3000000002, "threads": 0, "_embedded": None, "createdAt": 1709543722},
    # Embedded threads of the wrong shape: they are read separately instead.
    {"id": "3000000003", "threads": 2, "_embedded": {"threads": [None, "not a thread"]}},
]
CUSTOMERS = [
    {
        "id": 90010001,
        "firstName": WEIRD_TEXT,
        "draft": "false",
        "age": 44,
        "updatedAt": "2024-03-05T16:41:12Z",
        "_embedded": {
            "emails": [{"id": "3001", "value": "dana@example.org", "type": "work"}, None],
            "address": ["not", "an", "object"],
            "properties": {"a": 1},
            "social_profiles": [{"id": 1, "value": {"url": "x"}}],
        },
    },
    {"id": 90010002, "_embedded": "garbage"},
]


class _HostileHelpScout(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self._reply({"token_type": "bearer", "access_token": "h" * 40, "expires_in": 7200})

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/v2/conversations":
            self._reply(_page("conversations", CONVERSATIONS))
        elif path == "/v2/customers":
            self._reply(_page("customers", CUSTOMERS))
        elif path.endswith("/threads"):
            self._reply(_page("threads", [{"id": 8100000003, "body": None, "state": 7}]))
        else:
            self._reply({}, status=404)

    def _reply(self, body: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


def _page(key: str, items: list[Any]) -> dict[str, Any]:
    return {
        "_embedded": {key: items},
        "_links": {},
        "page": {"size": 25, "totalElements": len(items), "totalPages": 1, "number": 1},
    }


@pytest.fixture
def hostile_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileHelpScout)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_record_fits_its_schema_whatever_the_api_sends(hostile_api: str) -> None:
    config = {
        "client_id": "id",
        "client_secret": "s" * 40,
        "api_url": hostile_api,
        "start_date": "2024-01-01T00:00:00Z",
        "retry_wait_seconds": 0,
    }
    streams = {"conversations", "conversation_threads", "customers"}
    run = run_tap(config, catalog=select_only(discover(config), streams))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    counts = run.counts()
    assert counts["conversations"] == 3
    assert counts["customers"] == 2
    threads = {t["id"]: t for t in run.records("conversation_threads")}
    assert set(threads) == {8100000001, 8100000002, 8100000003}
    assert threads[8100000001]["body"] == WEIRD_TEXT
    assert threads[8100000003]["conversation_id"] == 3000000003
    for stream in streams:
        validator = jsonschema.Draft7Validator(run.schema(stream))
        for record in run.records(stream):
            errors = [error.message[:200] for error in validator.iter_errors(record)]
            assert errors == [], (stream, errors)
    conversation = run.records("conversations")[0]
    assert conversation["number"] == 17
    assert len(conversation["preview"]) == len(HUGE)
    assert conversation["status"] == "archived-ish"
    assert conversation["subject"] == '["not", "a", "string"]'
    assert conversation["cc"] == ["a@example.org", "5"]
    assert conversation["primary_customer"]["first"] == WEIRD_TEXT
    assert "brand_new_field" not in conversation
    assert "brandNewField is not in the schema" in run.stderr
    assert WEIRD_TEXT not in run.stderr
    assert "dana@example.org" not in run.stderr
