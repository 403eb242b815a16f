"""HAL paging: links, templates, empty pages and percent-encoding (case C7)."""

from __future__ import annotations

import urllib.parse


def test_links_on_first_middle_and_last_page(client):
    first = client.get("/v2/conversations", {"status": "all"}).body
    total_pages = first["page"]["totalPages"]
    assert total_pages >= 3
    assert first["page"]["number"] == 1
    assert "previous" not in first["_links"]
    assert set(first["_links"]) == {"self", "first", "next", "last", "page"}
    assert first["_links"]["page"]["templated"] is True
    assert first["_links"]["page"]["href"].endswith("?status=all{&page}")
    middle = client.get(first["_links"]["next"]["href"]).body
    assert middle["page"]["number"] == 2
    assert {"previous", "next"} <= set(middle["_links"])
    last = client.get(first["_links"]["last"]["href"]).body
    assert last["page"]["number"] == total_pages
    assert "next" not in last["_links"]


def test_template_without_other_params(client):
    body = client.get("/v2/mailboxes").body
    assert body["_links"]["page"]["href"].endswith("/v2/mailboxes{?page}")


def test_quotes_and_apostrophe_survive_the_next_link(client):
    query = '(subject:"Avis d\'octroi" OR createdAt:[* TO *])'
    params = {"status": "all", "query": query, "sortField": "number"}
    first = client.get("/v2/conversations", params).body
    next_href = first["_links"]["next"]["href"]
    assert "'" not in next_href
    assert '"' not in next_href
    assert " " not in next_href
    parsed = urllib.parse.parse_qs(urllib.parse.urlsplit(next_href).query)
    assert parsed["query"] == [query]
    assert parsed["page"] == ["2"]
    assert all(len(values) == 1 for values in parsed.values())
    records = client.walk("/v2/conversations", params, key="conversations")
    assert len(records) == first["page"]["totalElements"]


def test_narrow_quoted_search_matches_subjects(client):
    params = {"status": "all", "query": '(subject:"Avis d\'octroi")'}
    records = client.walk("/v2/conversations", params, key="conversations")
    assert records
    assert all("avis d'octroi" in c["subject"].lower() for c in records)


def test_empty_result_omits_embedded(client, sim):
    body = client.get("/v2/customers", {"modifiedSince": "2030-01-01T00:00:00Z"}).body
    assert "_embedded" not in body
    assert body["page"] == {"size": 50, "totalElements": 0, "totalPages": 0, "number": 0}
    assert "next" not in body["_links"]
    assert "previous" not in body["_links"]
    sim.control(empty_page_number=1)
    try:
        body = client.get("/v2/customers", {"modifiedSince": "2030-01-01T00:00:00Z"}).body
    finally:
        sim.control(empty_page_number=0)
    assert body["page"]["number"] == 1


def test_page_past_the_end_is_empty(client):
    first = client.get("/v2/conversations", {"status": "all"}).body
    beyond = first["page"]["totalPages"] + 3
    body = client.get("/v2/conversations", {"status": "all", "page": beyond}).body
    assert "_embedded" not in body
    assert body["page"]["number"] == beyond
    assert body["page"]["totalElements"] == first["page"]["totalElements"]
    assert "next" not in body["_links"]


def test_bad_page_is_rejected(client):
    assert client.get("/v2/conversations", {"page": "0"}).status == 400
    assert client.get("/v2/conversations", {"page": "x"}).status == 400
