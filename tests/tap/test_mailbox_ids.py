"""`mailbox_ids` limits the whole run to some mailboxes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.tap_runner import TapRun, run_tap, sim_config

UNKNOWN_ID = 999_999_999


@pytest.fixture(scope="module")
def limited(shared_sim: Any) -> tuple[TapRun, set[int]]:
    mailboxes = [box["id"] for box in shared_sim.truth("mailboxes")["mailboxes"]]
    assert len(mailboxes) >= 3
    wanted = set(mailboxes[:2])
    run = run_tap(sim_config(shared_sim, mailbox_ids=[*sorted(wanted), UNKNOWN_ID]))
    assert run.returncode == 0, run.stderr[-3000:]
    return run, wanted


def test_mailboxes_and_their_lists_are_those_configured(
    limited: tuple[TapRun, set[int]], shared_sim: Any
) -> None:
    run, wanted = limited
    assert {box["id"] for box in run.records("mailboxes")} == wanted
    for stream in ("mailbox_folders", "mailbox_fields", "saved_replies", "workflows"):
        expected = {r["id"] for r in shared_sim.truth(stream)[stream] if r["mailboxId"] in wanted}
        assert expected
        assert {r["id"] for r in run.records(stream)} == expected, stream


def test_conversations_and_ratings_are_those_of_the_configured_mailboxes(
    limited: tuple[TapRun, set[int]], shared_sim: Any
) -> None:
    run, wanted = limited
    conversations = shared_sim.truth("conversations")["conversations"]
    expected = {c["id"] for c in conversations if c["mailboxId"] in wanted}
    assert expected
    assert 0 < len(expected) < len(conversations)
    assert {c["id"] for c in run.records("conversations")} == expected
    assert {t["conversation_id"] for t in run.records("conversation_threads")} <= expected
    ratings = shared_sim.truth("happiness_ratings_report")["happiness_ratings_report"]
    assert {r["conversation_id"] for r in run.records("happiness_ratings_report")} == {
        r["id"] for r in ratings if r["id"] in expected
    }


def test_the_mailbox_filter_goes_to_the_api(
    limited: tuple[TapRun, set[int]], shared_sim: Any
) -> None:
    _, wanted = limited
    # Every configured id goes to the API, the unknown one too: it is no error there.
    configured = sorted({*wanted, UNKNOWN_ID})
    listed = ",".join(str(mailbox_id) for mailbox_id in configured)
    queries: dict[str, list[dict[str, list[str]]]] = {}
    for request in shared_sim.app.request_log:
        url = urlparse(request["path"])
        if url.path in {"/v2/conversations", "/v2/workflows", "/v2/reports/happiness/ratings"}:
            queries.setdefault(url.path, []).append(parse_qs(url.query))
    # This module's simulator has served the limited run only.
    assert all(q["mailbox"] == [listed] for q in queries["/v2/conversations"])
    assert sorted(int(q["mailboxId"][0]) for q in queries["/v2/workflows"]) == configured
    assert all(q["mailboxes"] == [listed] for q in queries["/v2/reports/happiness/ratings"])


def test_unknown_ids_are_named_in_the_log(limited: tuple[TapRun, set[int]]) -> None:
    run, _ = limited
    warnings = [line for line in run.stderr.splitlines() if "mailbox_ids" in line]
    assert len(warnings) == 1
    assert str(UNKNOWN_ID) in warnings[0]
    assert "WARNING" in warnings[0]
