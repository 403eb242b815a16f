"""Every key of every raw simulator response, at every depth, has a typed place in a schema.

The responses are fetched with urllib, before the SDK (which silently drops keys a schema lacks
and coerces types), from every list endpoint a stream reads. A webhook's `secret` is the one key
left out on purpose (`LEFT_OUT`), and a planted unknown key is caught.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tap_helpscout.tap import STREAM_TYPES
from tests.support.schema_check import (
    LEFT_OUT,
    rating_rows,
    stream_problems,
    team_members,
    undeclared,
)

# conversation_ids deliberately keeps five keys of the conversation objects that `conversations`
# covers in full, so it has no raw objects of its own to check.
STREAMS = {stream.name: stream for stream in STREAM_TYPES if stream.name != "conversation_ids"}


class RawClient:
    """A token and GETs over plain urllib: what the API sends, nothing else."""

    def __init__(self, sim: Any) -> None:
        self.url = sim.url
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": sim.config.client_id,
                "client_secret": sim.config.client_secret,
            }
        ).encode()
        self.token = self._open(urllib.request.Request(f"{self.url}/v2/oauth2/token", form))[
            "access_token"
        ]

    def _open(self, request: urllib.request.Request) -> Any:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def get(self, path_or_url: str, params: dict[str, str] | None = None) -> Any:
        url = path_or_url if path_or_url.startswith("http") else f"{self.url}/v2{path_or_url}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {self.token}"}
        return self._open(urllib.request.Request(url, headers=headers))

    def walk(self, path: str, key: str, params: dict[str, str] | None = None) -> list[Any]:
        """Every item of a HAL list, following `_links.next`."""
        items: list[Any] = []
        body = self.get(path, params)
        while True:
            items += body.get("_embedded", {}).get(key, [])
            following = body.get("_links", {}).get("next")
            if not following:
                return items
            body = self.get(following["href"])


def _fetch_all(client: RawClient) -> dict[str, list[dict[str, Any]]]:
    """Raw objects per stream, from every endpoint the tap reads."""
    raw: dict[str, list[dict[str, Any]]] = {name: [] for name in STREAMS}
    raw["conversations"] = client.walk(
        "/conversations", "conversations", {"status": "all", "embed": "threads"}
    )
    for conversation in raw["conversations"]:
        raw["conversation_threads"] += conversation.get("_embedded", {}).get("threads", [])
    # Threads read on their own: the long conversations (two pages) and the chats.
    for conversation in raw["conversations"]:
        if conversation["threads"] > 25 or conversation["type"] == "chat":
            path = f"/conversations/{conversation['id']}/threads"
            raw["conversation_threads"] += client.walk(path, "threads")
    raw["customers"] = client.walk("/customers", "customers")
    raw["mailboxes"] = client.walk("/mailboxes", "mailboxes")
    for mailbox in raw["mailboxes"]:
        root = f"/mailboxes/{mailbox['id']}"
        raw["mailbox_folders"] += client.walk(f"{root}/folders", "folders")
        raw["mailbox_fields"] += client.walk(f"{root}/fields", "fields")
        replies = client.get(f"{root}/saved-replies", {"includeChatReplies": "true"})
        assert isinstance(replies, list), "the saved replies list is a bare array"
        raw["saved_replies"] += replies
        raw["saved_replies"] += [client.get(f"{root}/saved-replies/{r['id']}") for r in replies]
    raw["users"] = client.walk("/users", "users")
    raw["teams"] = client.walk("/teams", "teams")
    for team in raw["teams"]:
        members = client.walk(f"/teams/{team['id']}/members", "users")
        raw["team_members"] += team_members(team["id"], members)
    for name, path in (
        ("tags", "/tags"),
        ("workflows", "/workflows"),
        ("webhooks", "/webhooks"),
        ("organizations", "/organizations"),
    ):
        raw[name] = client.walk(path, name)
    properties = client.get("/customer-properties")
    assert "page" not in properties
    raw["customer_properties"] = properties["_embedded"]["customer-properties"]
    report = client.get(
        "/reports/happiness/ratings",
        {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z", "rows": "1000"},
    )
    raw["happiness_ratings_report"] = rating_rows(report["results"])
    return raw


def uncovered(raw: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every key or type of the raw objects that its stream's schema has no place for."""
    return [
        f"{name}: {problem}"
        for name, objects in raw.items()
        for obj in objects
        for problem in stream_problems(STREAMS[name], obj)
    ]


@pytest.fixture(scope="module")
def raw(shared_sim: Any) -> dict[str, list[dict[str, Any]]]:
    return _fetch_all(RawClient(shared_sim))


def test_every_stream_was_fetched_raw(raw: dict[str, list[dict[str, Any]]]) -> None:
    assert set(raw) == set(STREAMS)
    assert [name for name, objects in raw.items() if not objects] == []


def test_every_raw_key_has_a_typed_place_in_its_schema(
    raw: dict[str, list[dict[str, Any]]],
) -> None:
    assert sorted(set(uncovered(raw))) == []


def test_the_webhook_secret_is_the_one_key_left_out(raw: dict[str, list[dict[str, Any]]]) -> None:
    assert {"webhooks": frozenset({"secret"})} == LEFT_OUT
    schema = STREAMS["webhooks"].api_schema
    for webhook in raw["webhooks"]:
        assert undeclared(webhook, schema) == ["$.secret: not in the schema"]


def test_a_planted_unknown_key_fails_the_check(raw: dict[str, list[dict[str, Any]]]) -> None:
    planted = copy.deepcopy(raw)
    customer = next(c for c in planted["customers"] if "address" in c.get("_embedded", {}))
    customer["_embedded"]["address"]["plantedKey"] = "x"
    thread = next(
        t for t in planted["conversation_threads"] if t.get("_embedded", {}).get("attachments")
    )
    thread["_embedded"]["attachments"][0]["plantedKey"] = 1
    planted["mailbox_fields"][0]["options"][0]["plantedKey"] = True
    planted["team_members"][0]["plantedKey"] = None
    planted["happiness_ratings_report"][0]["plantedKey"] = 2

    found = uncovered(planted)
    assert sorted(found) == sorted(
        [
            "customers: $.address.plantedKey: not in the schema",
            "conversation_threads: $.attachments[0].plantedKey: not in the schema",
            "mailbox_fields: $.options[0].plantedKey: not in the schema",
            "team_members: $.plantedKey: not in the schema",
            "happiness_ratings_report: $.plantedKey: not in the schema",
        ]
    )
