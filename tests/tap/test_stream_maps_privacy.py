"""The README's stream maps example, run as written: personal data never leaves the tap."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from devtools.docs import README
from tests.support.tap_runner import run_tap, sim_config

EXAMPLE = re.compile(r"<!-- stream-maps-example[^\n]*-->\n```yaml\n(.*?)```", re.DOTALL)


@pytest.fixture(scope="module")
def stream_maps() -> dict[str, Any]:
    match = EXAMPLE.search(README.read_text())
    assert match, "README.md has no stream-maps-example block"
    return yaml.safe_load(match.group(1))["stream_maps"]


@pytest.fixture(scope="module")
def mapped_run(shared_sim: Any, stream_maps: dict[str, Any]) -> Any:
    run = run_tap(sim_config(shared_sim, stream_maps=stream_maps))
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_thread_bodies_stay_a_column_but_are_always_null(mapped_run: Any) -> None:
    threads = mapped_run.records("conversation_threads")
    assert threads, "no threads: the test would prove nothing"
    assert all("body" in thread and thread["body"] is None for thread in threads)
    assert "null" in mapped_run.schema("conversation_threads")["properties"]["body"]["type"]


def test_removed_columns_are_gone_from_records_and_schemas(
    mapped_run: Any, stream_maps: dict[str, Any]
) -> None:
    for stream, mapping in stream_maps.items():
        removed = {column for column, expression in mapping.items() if expression == "__NULL__"}
        assert removed, stream
        assert not removed & mapped_run.schema(stream)["properties"].keys(), stream
        records = mapped_run.records(stream)
        assert records, stream
        assert not any(removed & record.keys() for record in records), stream


def test_no_email_address_of_the_simulator_reaches_the_output(
    mapped_run: Any, shared_sim: Any
) -> None:
    customers = shared_sim.truth("customers")["customers"]
    addresses = {
        entry["value"]
        for customer in customers
        for entry in (customer.get("_embedded") or {}).get("emails", [])
        if entry.get("value")
    }
    assert addresses, "the simulator holds no customer e-mails: the test would prove nothing"
    mapped = {"conversations", "conversation_threads", "customers"}
    output = repr(
        [
            m["record"]
            for m in mapped_run.messages
            if m["type"] == "RECORD" and m["stream"] in mapped
        ]
    )
    assert not [address for address in addresses if address in output]


def test_the_customer_link_survives_as_an_integer(mapped_run: Any) -> None:
    conversations = mapped_run.records("conversations")
    assert any(isinstance(c["primary_customer_id"], int) for c in conversations)
    schema = mapped_run.schema("conversations")["properties"]["primary_customer_id"]
    assert "integer" in schema["type"]
    assert all(c["id"] for c in conversations)
