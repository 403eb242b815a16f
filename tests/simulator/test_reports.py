"""Happiness ratings report: envelope, window, paging and plan gating."""

from __future__ import annotations

HAPPINESS_KEYS = {
    "number",
    "id",
    "type",
    "threadid",
    "threadCreatedAt",
    "ratingId",
    "ratingCustomerId",
    "ratingComments",
    "ratingCreatedAt",
    "ratingCustomerName",
    "ratingUserId",
    "ratingUserName",
}
WIDE = {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}


def test_envelope_and_rows(client, sim):
    reply = client.get("/v2/reports/happiness/ratings", WIDE)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    body = reply.body
    assert set(body) == {"results", "page", "pages", "count", "facets"}
    assert body["facets"] == {}
    truth = client.truth("happiness_ratings_report")
    assert body["count"] == len(truth) > 0
    assert all(set(row) == HAPPINESS_KEYS for row in body["results"])
    threads = {t["id"]: t for t in client.truth("conversation_threads")}
    for row in body["results"]:
        thread = threads[row["threadid"]]
        assert thread["conversationId"] == row["id"]
        assert thread["rating"]["customerId"] == row["ratingCustomerId"]


def test_window_and_rows_parameter(client):
    truth = client.truth("happiness_ratings_report")
    times = sorted(row["ratingCreatedAt"] for row in truth)
    low, high = times[2], times[-3]
    body = client.get("/v2/reports/happiness/ratings", {"start": low, "end": high}).body
    assert body["count"] == sum(1 for t in times if low <= t <= high)
    paged = client.get("/v2/reports/happiness/ratings", {**WIDE, "rows": 5, "page": 2}).body
    assert paged["page"] == 2
    assert len(paged["results"]) == 5
    assert paged["pages"] == -(-len(truth) // 5)


def test_start_and_end_are_required(client):
    assert client.get("/v2/reports/happiness/ratings").status == 400
    assert client.get("/v2/reports/happiness/ratings", {"start": WIDE["start"]}).status == 400


def test_standard_plan_gets_403(client, sim):
    sim.control(plan="standard")
    try:
        assert client.get("/v2/reports/happiness/ratings", WIDE).status == 403
        assert client.get("/v2/mailboxes").status == 200
    finally:
        sim.control(plan="plus")


def test_report_times_can_come_without_a_zone(client, sim):
    sim.control(report_times_without_zone=True)
    try:
        rows = client.get("/v2/reports/happiness/ratings", WIDE).body["results"]
        truth = client.truth("happiness_ratings_report")
    finally:
        sim.control(report_times_without_zone=False)
    assert rows
    for row in [*rows, *truth]:
        assert len(row["ratingCreatedAt"]) == 19
        assert not row["ratingCreatedAt"].endswith("Z")
        assert not row["threadCreatedAt"].endswith("Z")
    zoned = client.get("/v2/reports/happiness/ratings", WIDE).body["results"]
    assert [row["ratingCreatedAt"] + "Z" for row in rows] == [r["ratingCreatedAt"] for r in zoned]
