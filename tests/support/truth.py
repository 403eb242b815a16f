"""Compare what a tap run emitted with what the simulator holds, stream by stream."""

from __future__ import annotations

from typing import Any

ID_STREAMS = (
    "conversations",
    "conversation_threads",
    "customers",
    "mailboxes",
    "mailbox_folders",
    "users",
)


def rating_key(row: dict[str, Any], *, truth: bool) -> tuple[Any, ...]:
    if truth:
        return (row["ratingCustomerId"], row["id"], row["ratingCreatedAt"])
    return (row["rating_customer_id"], row["conversation_id"], row["rating_created_at"])


def mismatches(run: Any, sim: Any, streams: tuple[str, ...] = ID_STREAMS) -> dict[str, Any]:
    """Per stream, the ids missing from the run and the ids it emitted that the sim lacks."""
    truth = sim.truth()
    problems = {}
    for stream in streams:
        if stream == "happiness_ratings_report":
            expected = {rating_key(r, truth=True) for r in truth[stream]}
            emitted = {rating_key(r, truth=False) for r in run.records(stream)}
        else:
            expected = {r["id"] for r in truth[stream]}
            emitted = {r["id"] for r in run.records(stream)}
        if expected != emitted:
            problems[stream] = {
                "missing": sorted(expected - emitted, key=repr)[:10],
                "unexpected": sorted(emitted - expected, key=repr)[:10],
            }
    return problems
