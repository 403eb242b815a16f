"""Truth matches what the API lists; determinism; concurrency; the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from helpscout_sim import SimulatorConfig, SimulatorServer
from helpscout_sim.render import strip_links

from .conftest import Client

ROOT = Path(__file__).resolve().parents[2]


def test_every_listed_record_is_in_truth(client):
    checks = [
        ("/v2/conversations", {"status": "all"}, "conversations", "conversations"),
        ("/v2/customers", None, "customers", "customers"),
        ("/v2/mailboxes", None, "mailboxes", "mailboxes"),
        ("/v2/users", None, "users", "users"),
    ]
    for path, params, key, stream in checks:
        first = client.get(path, params).body
        listed = client.walk(path, params, key=key)
        truth = {item["id"]: item for item in client.truth(stream)}
        assert len(listed) == first["page"]["totalElements"] == len(truth)
        for item in listed:
            assert strip_links(item) == truth[item["id"]]

    threads = client.truth("conversation_threads")
    by_conversation: dict[int, int] = {}
    for item in threads:
        by_conversation[item["conversationId"]] = by_conversation.get(item["conversationId"], 0) + 1
    for conv in client.truth("conversations"):
        assert by_conversation.get(conv["id"], 0) == conv["threads"]


def test_same_seed_same_data():
    config = {"seed": 11, "conversations": 30, "customers": 20}
    with (
        SimulatorServer(SimulatorConfig(**config)) as one,
        SimulatorServer(SimulatorConfig(**config)) as two,
    ):
        assert one.truth() == two.truth()


def test_concurrent_requests(client, sim):
    errors: list[str] = []

    def worker(page: int) -> None:
        reply = client.get("/v2/conversations", {"status": "all", "page": page})
        if reply.status != 200 or reply.body["page"]["number"] != page:
            errors.append(f"page {page}: {reply.status}")

    threads = [threading.Thread(target=worker, args=(1 + i % 6,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_cli_serves_and_stops_cleanly(tmp_path):
    port_file = tmp_path / "url"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "helpscout_sim",
            "--port",
            "0",
            "--seed",
            "5",
            "--conversations",
            "20",
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("helpscout-sim listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert port_file.read_text().strip() == url

        class _Server:
            def __init__(self) -> None:
                self.url = url
                self.config = SimulatorConfig()

        assert Client(_Server()).get("/v2/users/me").status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_cli_help_lists_every_field():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "helpscout_sim", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    for spec in SimulatorConfig.field_specs():
        assert "--" + spec.name.replace("_", "-") in result.stdout


def test_user_updated_always_gives_every_conversation_a_user_updated_at():
    from helpscout_sim import SimulatorConfig, SimulatorServer

    with SimulatorServer(SimulatorConfig(seed=5, conversations=300)) as plain:
        missing = [
            c for c in plain.truth("conversations")["conversations"] if not c["userUpdatedAt"]
        ]
    assert missing, "the default data should hold conversations no user touched"
    config = SimulatorConfig(seed=5, conversations=300, user_updated_always=True)
    with SimulatorServer(config) as sim:
        conversations = sim.truth("conversations")["conversations"]
    assert all(c["userUpdatedAt"] for c in conversations)
