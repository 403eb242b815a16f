"""End-to-end check of the local BigQuery and of the loader configured in meltano.yml.

A small Singer stream goes through `meltano invoke target-bigquery` (the loader Meltano installs
from plugins/loaders/target-bigquery--z3z1ma.lock) into the emulator started by LocalBigQuery,
and the result is read back through LocalBigQuery's helpers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devtools.bigquery import EMULATOR_PYTHON, REPO_ROOT, LocalBigQuery

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not EMULATOR_PYTHON.exists(),
        reason=f"{EMULATOR_PYTHON} missing: `make bq-venv` builds the BigQuery emulator's venv",
    ),
]

MELTANO = Path(sys.executable).with_name("meltano")
LOADER = REPO_ROOT / ".meltano" / "loaders" / "target-bigquery" / "venv" / "bin" / "target-bigquery"
QUIET_MELTANO = {
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_DISABLE_TRACKING": "true",
    "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
    "MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": "[]",
}

BIG_NUMBER = 2**53 + 1  # above 2^31, and not exactly representable as a float64

CONVERSATION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "integer"},
        "updated_at": {"type": "string", "format": "date-time"},
        "customer": {
            "type": ["null", "object"],
            "properties": {"id": {"type": "integer"}, "email": {"type": ["null", "string"]}},
        },
        "tags": {
            "type": ["null", "array"],
            "items": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "tag": {"type": "string"}},
            },
        },
        "source": {
            "type": ["null", "object"],
            "properties": {"type": {"type": "string"}, "via": {"type": "string"}},
        },
    },
}
USER_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
}
CONVERSATION_SCHEMA_MESSAGE = {
    "type": "SCHEMA",
    "stream": "conversations",
    "schema": CONVERSATION_SCHEMA,
    "key_properties": ["id"],
    "bookmark_properties": ["updated_at"],
}
USER_SCHEMA_MESSAGE = {
    "type": "SCHEMA",
    "stream": "users",
    "schema": USER_SCHEMA,
    "key_properties": ["id"],
}


def conversation(conversation_id: int, number: int, source: dict[str, str] | None) -> dict:
    return {
        "type": "RECORD",
        "stream": "conversations",
        "record": {
            "id": conversation_id,
            "number": number,
            "updated_at": f"2024-05-0{conversation_id}T10:00:00Z",
            "customer": {"id": BIG_NUMBER, "email": f"c{conversation_id}@example.com"},
            "tags": [{"id": 2**40 + conversation_id, "tag": "vip"}],
            "source": source,
        },
    }


def user(user_id: int, run: str) -> dict:
    return {"type": "RECORD", "stream": "users", "record": {"id": user_id, "email": f"{run}@x"}}


def singer_lines(*messages: dict[str, Any]) -> str:
    return "".join(json.dumps(message) + "\n" for message in messages)


def first_run() -> str:
    return singer_lines(
        CONVERSATION_SCHEMA_MESSAGE,
        conversation(1, 2**31 + 7, None),
        conversation(2, BIG_NUMBER, {"type": "email", "via": "customer"}),
        # The same key again in the same run: upsert with dedupe keeps one row, the latest.
        conversation(1, 2**31 + 8, {"type": "chat", "via": "user"}),
        USER_SCHEMA_MESSAGE,
        user(1, "first"),
        user(2, "first"),
        user(3, "first"),
        {"type": "STATE", "value": {"bookmarks": {"conversations": {"run": 1}}}},
    )


def second_run() -> str:
    return singer_lines(
        CONVERSATION_SCHEMA_MESSAGE,
        conversation(2, 5, None),
        USER_SCHEMA_MESSAGE,
        user(1, "second"),
        user(4, "second"),
        {"type": "STATE", "value": {"bookmarks": {"conversations": {"run": 2}}}},
    )


@pytest.fixture(scope="module")
def installed_loader() -> Path:
    """The loader as `meltano install` builds it from the committed lock file."""
    if not LOADER.exists():
        subprocess.run(
            [str(MELTANO), "install", "--plugin-type", "loaders", "target-bigquery"],
            cwd=REPO_ROOT,
            env={**os.environ, **QUIET_MELTANO},
            check=True,
            capture_output=True,
            timeout=600,
        )
    return LOADER


def load(bq: LocalBigQuery, singer_input: str) -> subprocess.CompletedProcess[str]:
    """Feed Singer messages to the loader with meltano.yml's `demo` configuration."""
    return subprocess.run(
        [str(MELTANO), "--environment=demo", "invoke", "target-bigquery"],
        input=singer_input,
        cwd=REPO_ROOT,
        env=bq.subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def columns(bq: LocalBigQuery, table: str) -> dict[str, dict[str, Any]]:
    return {field["name"]: field for field in bq.schema(table)}


def test_upsert_and_overwrite_through_the_configured_loader(installed_loader: Path) -> None:
    assert installed_loader.exists()
    with LocalBigQuery(project="demo-project", dataset="helpscout") as bq:
        first = load(bq, first_run())
        assert first.returncode == 0, first.stderr[-3000:]
        # The loader can exit 0 after a failed load job, so the job history is checked too.
        assert bq.failed_jobs() == []
        assert bq.tables() == ["conversations", "users"]
        # No staging table is left behind once the run has merged or swapped it in.
        assert bq.tables(include_temporary=True) == ["conversations", "users"]

        conversations = bq.rows("conversations", order_by="id")
        assert [(row["id"], row["number"]) for row in conversations] == [
            (1, 2**31 + 8),
            (2, BIG_NUMBER),
        ]
        assert conversations[0]["customer"] == {"id": BIG_NUMBER, "email": "c1@example.com"}
        assert conversations[0]["tags"] == [{"id": 2**40 + 1, "tag": "vip"}]
        assert conversations[0]["source"] == {"type": "chat", "via": "user"}
        assert conversations[1]["updated_at"].isoformat() == "2024-05-02T10:00:00+00:00"

        schema = columns(bq, "conversations")
        assert (schema["number"]["type"], schema["updated_at"]["type"]) == ("INTEGER", "TIMESTAMP")
        assert schema["customer"]["type"] == "RECORD"
        assert [f["name"] for f in schema["customer"]["fields"]] == ["id", "email"]
        assert (schema["tags"]["type"], schema["tags"]["mode"]) == ("RECORD", "REPEATED")
        assert schema["source"]["mode"] == "NULLABLE"
        assert [row["email"] for row in bq.rows("users", order_by="id")] == ["first@x"] * 3

        second = load(bq, second_run())
        assert second.returncode == 0, second.stderr[-3000:]
        assert bq.failed_jobs() == []
        # Upsert: conversation 2 updated in place, conversation 1 kept.
        conversations = bq.rows("conversations", order_by="id")
        assert [(row["id"], row["number"], row["source"]) for row in conversations] == [
            (1, 2**31 + 8, {"type": "chat", "via": "user"}),
            (2, 5, None),
        ]
        # Overwrite: users holds exactly the second run's records.
        users = bq.rows("users", order_by="id")
        assert [(row["id"], row["email"]) for row in users] == [(1, "second@x"), (4, "second@x")]
        assert bq.tables(include_temporary=True) == ["conversations", "users"]


def test_a_record_field_named_like_a_keyword() -> None:
    # Mailbox fields, their options and workflows have an `order`; BigQuery takes the name.
    from google.cloud import bigquery

    option = [bigquery.SchemaField("order", "INTEGER"), bigquery.SchemaField("label", "STRING")]
    schema = [
        bigquery.SchemaField("id", "INTEGER"),
        bigquery.SchemaField("order", "INTEGER"),
        bigquery.SchemaField("options", "RECORD", mode="REPEATED", fields=option),
    ]
    with LocalBigQuery(project="keyword-project", dataset="helpscout") as bq:
        table = bq.client.create_table(
            bigquery.Table(f"{bq.project}.{bq.dataset}.mailbox_fields", schema=schema)
        )
        row = {"id": 1, "order": 2, "options": [{"order": 1, "label": "Plus"}]}
        assert bq.client.insert_rows_json(table, [row]) == []
        assert bq.rows("mailbox_fields") == [row]
        fields = columns(bq, "mailbox_fields")["options"]["fields"]
        assert [field["name"] for field in fields] == ["order", "label"]


def test_everything_started_is_ended() -> None:
    with LocalBigQuery() as bq:
        emulator_pid = bq.emulator_pid
        rest_url = bq.rest_url
        assert emulator_pid is not None
        assert bq.query("SELECT 1 AS one") == [{"one": 1}]
    with pytest.raises(ProcessLookupError):
        os.kill(emulator_pid, 0)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{rest_url}/readyz", timeout=2)
