"""Conversation filters, sorting, embedding, threads, merged and deleted conversations."""

from __future__ import annotations

from helpscout_sim.timeutil import iso

from .conftest import call


def _live(sim):
    return sim.app.data.live_conversations()


def test_default_status_is_active_only(client, sim):
    default = client.walk("/v2/conversations", key="conversations")
    everything = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
    assert {c["status"] for c in default} == {"active"}
    assert {c["status"] for c in everything} >= {"active", "pending", "closed"}
    assert len(everything) == len(_live(sim))
    assert len(default) == sum(1 for c in _live(sim) if c.status == "active")


def test_invalid_status_is_a_validation_error(client):
    reply = client.get("/v2/conversations", {"status": "archived"})
    assert reply.status == 400
    assert reply.body["_embedded"]["errors"][0]["path"] == "status"


def test_modified_since_is_strictly_after(client, sim):
    convs = sorted(_live(sim), key=lambda c: c.modified_at)
    pivot = convs[len(convs) // 2]
    got = client.walk(
        "/v2/conversations",
        {"status": "all", "modifiedSince": iso(pivot.modified_at)},
        key="conversations",
    )
    expected = {c.id for c in convs if c.modified_at > pivot.modified_at}
    assert {c["id"] for c in got} == expected
    assert pivot.id not in expected


def test_modified_since_with_fraction_is_rejected(client):
    reply = client.get("/v2/conversations", {"modifiedSince": "2025-01-01T00:00:00.123Z"})
    assert reply.status == 400
    assert set(reply.body) == {"logRef", "message", "_embedded", "_links"}
    assert reply.body["_embedded"]["errors"][0]["path"] == "modifiedSince"


def test_query_ranges_are_inclusive_and_combine(client, sim):
    convs = sorted(_live(sim), key=lambda c: c.modified_at)
    low, high = convs[10].modified_at, convs[60].modified_at
    query = f"(modifiedAt:[{iso(low)} TO {iso(high)}])"
    got = client.walk("/v2/conversations", {"status": "all", "query": query}, key="conversations")
    assert {c["id"] for c in got} == {c.id for c in convs if low <= c.modified_at <= high}

    created_low = sorted(c.created_at for c in convs)[40]
    both = f"(modifiedAt:[{iso(low)} TO *] AND createdAt:[{iso(created_low)} TO *])"
    got = client.walk("/v2/conversations", {"status": "all", "query": both}, key="conversations")
    assert {c["id"] for c in got} == {
        c.id for c in convs if c.modified_at >= low and c.created_at >= created_low
    }


def test_sorting_and_tie_break(client, sim):
    for field, attr in (
        ("createdAt", "created_at"),
        ("modifiedAt", "modified_at"),
        ("number", "number"),
    ):
        for order in ("asc", "desc"):
            got = client.walk(
                "/v2/conversations",
                {"status": "all", "sortField": field, "sortOrder": order},
                key="conversations",
            )
            expected = sorted(
                _live(sim), key=lambda c, a=attr: (getattr(c, a), c.id), reverse=order == "desc"
            )
            assert [c["id"] for c in got] == [c.id for c in expected]
    default = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
    assert [c["createdAt"] for c in default] == sorted(
        (c["createdAt"] for c in default), reverse=True
    )


def test_mailbox_filter_accepts_a_list(client, sim):
    boxes = [m["id"] for m in sim.app.data.mailboxes]
    got = client.walk(
        "/v2/conversations",
        {"status": "all", "mailbox": f"{boxes[0]},{boxes[1]}"},
        key="conversations",
    )
    assert got
    assert {c["mailboxId"] for c in got} <= {boxes[0], boxes[1]}


def test_ids_exceed_32_bits_and_hidden_fields_vary(client):
    convs = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
    assert all(c["id"] > 2**31 for c in convs)
    assert all("modifiedAt" not in c and "updatedAt" not in c for c in convs)
    assert any(c["userUpdatedAt"] is None and c["customerWaitingSince"] == {} for c in convs)
    assert any("assignee" not in c for c in convs)
    assert any("closedAt" in c and "closedByUser" in c for c in convs)
    assert any("closedAt" not in c for c in convs)
    assert any(c["customFields"] for c in convs)


def test_embed_threads_truncates_chats_and_caps_count(client, sim):
    sim.control(embed_threads_max=5, embed_chat_body_chars=40)
    try:
        convs = client.walk(
            "/v2/conversations", {"status": "all", "embed": "threads"}, key="conversations"
        )
    finally:
        sim.control(embed_threads_max=25, embed_chat_body_chars=200)
    truth = {t["id"]: t for t in client.truth("conversation_threads")}
    saw_chat = saw_cap = False
    for conv in convs:
        embedded = conv["_embedded"]["threads"]
        assert len(embedded) == min(5, conv["threads"])
        saw_cap |= conv["threads"] > 5
        times = [t["createdAt"] for t in embedded]
        assert times == sorted(times, reverse=True)
        for item in embedded:
            if item["type"] in ("chat", "beaconchat"):
                saw_chat = True
                assert item["body"] != truth[item["id"]]["body"]
                assert len(item["body"]) <= 43
    assert saw_chat
    assert saw_cap


def test_more_than_25_threads_come_in_two_pages(client, sim):
    conv = next(c for c in _live(sim) if len(c.codes) == 30)
    first = client.get(f"/v2/conversations/{conv.id}/threads")
    assert first.body["page"] == {"size": 25, "totalElements": 30, "totalPages": 2, "number": 1}
    assert "next" in first.body["_links"]
    threads = client.walk(f"/v2/conversations/{conv.id}/threads", key="threads")
    assert len(threads) == 30 == len({t["id"] for t in threads})
    detail = client.get(f"/v2/conversations/{conv.id}")
    assert detail.body["threads"] == 30


def test_thread_shapes(client, sim):
    threads = client.truth("conversation_threads")
    lineitems = [t for t in threads if t["type"] == "lineitem"]
    assert lineitems
    assert all(t["body"] is None and "text" in t["action"] for t in lineitems)
    assert any(t.get("rating") for t in threads)
    assert any(t["state"] is None for t in threads)
    assert any(t["state"] == "hidden" for t in threads)
    assert any(t["_embedded"]["attachments"] for t in threads)
    assert any("openedAt" in t for t in threads if t["type"] == "message")


def test_merged_conversation_redirects_and_hides_threads(client, sim):
    old = next(c for c in sim.app.data.conversations if c.merged_into)
    reply = client.get(f"/v2/conversations/{old.id}")
    assert reply.status == 301
    assert reply.headers["location"].endswith(f"/v2/conversations/{old.merged_into}")
    assert reply.headers["location"].startswith(sim.url)
    assert client.get(f"/v2/conversations/{old.id}/threads").status == 404
    listed = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
    assert old.id not in {c["id"] for c in listed}


def test_deleted_conversation_is_404_everywhere(client, sim):
    gone = next(c for c in sim.app.data.conversations if c.deleted)
    assert client.get(f"/v2/conversations/{gone.id}").status == 404
    assert client.get(f"/v2/conversations/{gone.id}/threads").status == 404
    listed = client.walk("/v2/conversations", {"status": "all"}, key="conversations")
    assert gone.id not in {c["id"] for c in listed}
    assert gone.id not in {c["id"] for c in client.truth("conversations")}


def test_single_get_matches_list_shape(client):
    listed = client.get("/v2/conversations", {"status": "all"}).body["_embedded"]["conversations"]
    single = client.get(f"/v2/conversations/{listed[0]['id']}").body
    assert single == listed[0]
    embedded = client.get(f"/v2/conversations/{listed[0]['id']}", {"embed": "threads"}).body
    assert len(embedded["_embedded"]["threads"]) == min(25, single["threads"])


def test_conversation_keys_follow_the_example(client):
    allowed = {
        "id",
        "number",
        "threads",
        "type",
        "folderId",
        "status",
        "state",
        "subject",
        "preview",
        "mailboxId",
        "assignee",
        "createdBy",
        "createdAt",
        "closedBy",
        "closedByUser",
        "closedAt",
        "userUpdatedAt",
        "customerWaitingSince",
        "source",
        "tags",
        "cc",
        "bcc",
        "primaryCustomer",
        "snooze",
        "nextEvent",
        "customFields",
        "_embedded",
        "_links",
    }
    required = allowed - {
        "assignee",
        "closedBy",
        "closedByUser",
        "closedAt",
        "snooze",
        "nextEvent",
        "_embedded",
    }
    for conv in client.walk("/v2/conversations", {"status": "all"}, key="conversations"):
        assert required <= set(conv) <= allowed


def test_stats_count_path_templates(sim):
    stats = call("GET", f"{sim.url}/_sim/stats").body
    assert stats["by_path"]["/v2/conversations"] > 0
    assert stats["by_path"]["/v2/conversations/{id}/threads"] > 0
