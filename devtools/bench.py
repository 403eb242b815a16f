"""The speed benchmark: requests, time, CPU and memory of a sync against the local simulator.

`make bench` runs it. Each scenario starts the simulator (`python -m helpscout_sim`) with the
account size, rate limit and latency it needs, runs the tap as a separate process with the seven
main streams selected, and measures it from outside: requests from the simulator's own counter,
CPU time and peak memory from the child's resource usage. The minimum number of requests is
computed from what the simulator holds, never from what the tap reports. Everything goes to
127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TAP = VENV_BIN / "tap-helpscout"
PEER_PYTHON = REPO_ROOT / ".venv-peer" / "bin" / "python"
PEER_WRAPPER = REPO_ROOT / "devtools" / "peer_redirect.py"

SEVEN_STREAMS = (
    "conversations",
    "conversation_threads",
    "customers",
    "mailboxes",
    "mailbox_folders",
    "users",
    "happiness_ratings_report",
)
START_DATE = "2000-01-01T00:00:00Z"
CONVERSATIONS_PER_PAGE = 25
THREADS_PER_PAGE = 25
LIST_PAGE = 50
_SHORTENED_WHEN_EMBEDDED = {"chat", "beaconchat"}
_TYPE = re.compile(r'"type":\s*"(\w+)"')
_STREAM = re.compile(r'"stream":\s*"(\w+)"')


# -- the simulator ---------------------------------------------------------------------------
class Simulator:
    """`python -m helpscout_sim` as a child process, stopped on exit."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._folder = tempfile.TemporaryDirectory()

    def __enter__(self) -> Simulator:
        port_file = Path(self._folder.name) / "port"
        command = [sys.executable, "-m", "helpscout_sim", "--port", "0", "--port-file"]
        command.append(str(port_file))
        for name, value in self.settings.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while not port_file.exists() or not port_file.read_text().strip():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.1)
        self.url = port_file.read_text().strip()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)
        self._folder.cleanup()

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=600) as response:
            return json.load(response)

    def api_requests(self) -> int:
        """API requests answered so far (token requests excluded)."""
        return int(self.get("/_sim/stats")["api_requests"])

    def minimum_requests(self) -> int:
        """The fewest requests a full sync of the seven streams needs, from what the sim holds.

        One request per page of every list (conversations 25 a page, the others 50), every list
        at least one page; thread requests only for conversations whose embedded threads are
        incomplete: more threads than the simulator embeds, or any chat thread.
        """
        control = self.get("/_sim/control")
        embed_max = int(control.get("embed_threads_max", 25))
        rows_per_page = int(control.get("report_rows_per_page", LIST_PAGE))
        conversations = self.get("/_sim/truth?stream=conversations")["conversations"]
        shortened: set[int] = set()
        counts: collections.Counter[int] = collections.Counter()
        threads = self.get("/_sim/truth?stream=conversation_threads")["conversation_threads"]
        for thread in threads:
            counts[thread["conversationId"]] += 1
            if thread.get("type") in _SHORTENED_WHEN_EMBEDDED:
                shortened.add(thread["conversationId"])
        del threads
        total = _pages(len(conversations), CONVERSATIONS_PER_PAGE)
        for conversation in conversations:
            number = counts[conversation["id"]]
            if number > embed_max or conversation["id"] in shortened:
                total += _pages(number, THREADS_PER_PAGE)
        folders = collections.Counter(
            folder["mailboxId"]
            for folder in self.get("/_sim/truth?stream=mailbox_folders")["mailbox_folders"]
        )
        mailboxes = self.get("/_sim/truth?stream=mailboxes")["mailboxes"]
        total += _pages(len(mailboxes), LIST_PAGE)
        total += sum(_pages(folders[box["id"]], LIST_PAGE) for box in mailboxes)
        total += _pages(len(self.get("/_sim/truth?stream=customers")["customers"]), LIST_PAGE)
        total += _pages(len(self.get("/_sim/truth?stream=users")["users"]), LIST_PAGE)
        ratings = self.get("/_sim/truth?stream=happiness_ratings_report")
        total += _pages(len(ratings["happiness_ratings_report"]), rows_per_page)
        return total


def _pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


# -- running a tap -----------------------------------------------------------------------------
@dataclasses.dataclass
class Run:
    """What one tap process did, measured from outside."""

    who: str
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    records: dict[str, int]
    last_state: dict[str, Any] | None
    returncode: int

    @property
    def record_total(self) -> int:
        return sum(self.records.values())


def _count_output(stream: Any, records: collections.Counter[str], state: list[Any]) -> None:
    for line in stream:
        head = line[:120]
        kind = _TYPE.search(head)
        if kind is None:
            continue
        if kind.group(1) == "RECORD":
            name = _STREAM.search(head)
            records[name.group(1) if name else "?"] += 1
        elif kind.group(1) == "STATE":
            state[:] = [json.loads(line)["value"]]


def run_process(who: str, command: list[str], log: Path) -> Run:
    """Run a tap, count its records, and read its CPU time and peak memory when it exits."""
    records: collections.Counter[str] = collections.Counter()
    state: list[Any] = []
    started = time.monotonic()
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1 << 20
        )
        assert process.stdout is not None
        reader = threading.Thread(target=_count_output, args=(process.stdout, records, state))
        reader.start()
        peak = [0]
        sampler = threading.Thread(target=_sample_peak_rss, args=(process.pid, peak))
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        sampler.join()
        wall = time.monotonic() - started
        reader.join()
        process.stdout.close()
        process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        who=who,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        # ru_maxrss of a child counts the parent's memory copied at fork time; the high-water
        # mark of the tap's own address space is read from /proc instead.
        peak_rss_mb=peak[0] / 1024,
        records=dict(records),
        last_state=state[0] if state else None,
        returncode=process.returncode,
    )


def _sample_peak_rss(pid: int, peak: list[int]) -> None:
    """Follow the process's resident high-water mark (VmHWM, kB) until it exits."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
        if match is None:  # a zombie: the process has exited
            return
        peak[0] = max(peak[0], int(match.group(1)))
        time.sleep(0.05)


def _write(folder: Path, name: str, content: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(content))
    return path


def _selected(catalog: dict[str, Any]) -> dict[str, Any]:
    for entry in catalog["streams"]:
        wanted = entry["tap_stream_id"] in SEVEN_STREAMS
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == [] or wanted:
                metadata["metadata"]["selected"] = wanted
    return catalog


def run_ours(
    sim: Simulator, folder: Path, *, state: dict[str, Any] | None = None, label: str = "ours"
) -> Run:
    """Run this tap against `sim` with the seven streams selected."""
    config = {
        "client_id": "sim-client-id",
        "client_secret": "sim-client-secret",
        "start_date": START_DATE,
        "api_url": sim.url,
    }
    config_path = _write(folder, "config.json", config)
    discovered = subprocess.run(
        [str(TAP), "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog = _write(folder, "catalog.json", _selected(json.loads(discovered.stdout)))
    command = [str(TAP), "--config", str(config_path), "--catalog", str(catalog)]
    if state is not None:
        command += ["--state", str(_write(folder, "state.json", state))]
    return run_process(label, command, folder / f"{label}.log")


def run_peer(sim: Simulator, folder: Path) -> Run:
    """Run singer-io's tap-helpscout 1.2.2 against `sim`, redirected from outside its package."""
    config = {
        "client_id": "sim-client-id",
        "client_secret": "sim-client-secret",
        # The peer uses the authorization-code flow and rewrites this file with a new token.
        "refresh_token": "bench-refresh-token",
        "user_agent": "tap-helpscout-bench",
        "start_date": START_DATE,
    }
    config_path = _write(folder, "peer-config.json", config)
    wrapper = [str(PEER_PYTHON), str(PEER_WRAPPER), sim.url, "--config", str(config_path)]
    discovered = subprocess.run(
        [*wrapper, "--discover"], capture_output=True, text=True, check=True
    )
    catalog = _write(folder, "peer-catalog.json", _selected(json.loads(discovered.stdout)))
    return run_process("peer 1.2.2", [*wrapper, "--catalog", str(catalog)], folder / "peer.log")


# -- scenarios ---------------------------------------------------------------------------------
@dataclasses.dataclass
class Row:
    """One line of the table."""

    scenario: str
    run: Run
    conversations: int
    requests: int
    minimum: int | None = None
    bound_seconds: float | None = None


def _sim_settings(args: argparse.Namespace, conversations: int, **more: Any) -> dict[str, Any]:
    return {
        "seed": args.seed,
        "conversations": conversations,
        "customers": max(100, conversations // 2),
        "rate_limit_per_minute": 0,
        "latency_ms": 0,
        # singer-io's tap fails on conversations with neither userUpdatedAt nor
        # customerWaitingSince: give each one a userUpdatedAt, for both taps alike.
        "user_updated_always": True,
        **more,
    }


def measure(
    args: argparse.Namespace,
    scenario: str,
    conversations: int,
    *,
    rate: int = 0,
    latency_ms: int = 0,
    incremental: bool = False,
    peer: bool = False,
    minimum: bool = True,
) -> list[Row]:
    """Run one scenario on a fresh simulator; return its rows."""
    settings = _sim_settings(args, conversations, rate_limit_per_minute=rate, latency_ms=latency_ms)
    rows: list[Row] = []
    with Simulator(**settings) as sim, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        least = sim.minimum_requests() if minimum else None
        bound = least / rate * 60 if rate and least else None
        before = sim.api_requests()
        run = run_ours(sim, folder)
        _check(run, folder / "ours.log")
        rows.append(Row(scenario, run, conversations, sim.api_requests() - before, least, bound))
        if incremental:
            before = sim.api_requests()
            again = run_ours(sim, folder, state=run.last_state, label="ours, no changes")
            _check(again, folder / "ours, no changes.log")
            rows.append(Row(scenario, again, conversations, sim.api_requests() - before))
        if peer:
            before = sim.api_requests()
            theirs = run_peer(sim, folder)
            _check(theirs, folder / "peer.log")
            rows.append(Row(scenario, theirs, conversations, sim.api_requests() - before, least))
    return rows


def _check(run: Run, log: Path) -> None:
    if run.returncode != 0:
        tail = log.read_text()[-3000:]
        msg = f"{run.who} exited with {run.returncode}:\n{tail}"
        raise RuntimeError(msg)


def _number(value: float | None, pattern: str) -> str:
    return "" if value is None else pattern.format(value)


def table(rows: list[Row]) -> str:
    """The one table of the benchmark, as Markdown."""
    header = (
        "| scenario | tap | conversations | requests | minimum | ratio | wall s | bound s "
        "| records | records/s | CPU s | CPU µs/record | peak RSS MB |"
    )
    lines = [header, "|" + "|".join([":--"] * 2 + ["--:"] * 11) + "|"]
    for row in rows:
        run = row.run
        records = run.record_total
        ratio = row.requests / row.minimum if row.minimum else None
        lines.append(
            f"| {row.scenario} | {run.who} | {row.conversations:,} | {row.requests:,} "
            f"| {_number(row.minimum, '{:,}')} | {_number(ratio, '{:.3f}')} "
            f"| {run.wall_seconds:.1f} | {_number(row.bound_seconds, '{:.1f}')} "
            f"| {records:,} | {records / max(run.wall_seconds, 1e-9):,.0f} "
            f"| {run.cpu_seconds:.2f} | {1e6 * run.cpu_seconds / max(records, 1):.0f} "
            f"| {run.peak_rss_mb:.0f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The benchmark's flags."""
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument(
        "--scenarios", default="a,b,c,d", help="which scenarios to run: a,b,c,d (default all)"
    )
    parser.add_argument("--conversations", type=int, default=5000, help="account size for a, c")
    parser.add_argument(
        "--ceiling-conversations", type=int, default=5000, help="account size for b"
    )
    parser.add_argument("--rate", type=int, default=400, help="requests a minute for b")
    parser.add_argument("--latency-ms", type=int, default=150, help="latency per request for b")
    parser.add_argument("--memory-sizes", default="5000,50000", help="account sizes compared in d")
    parser.add_argument("--seed", type=int, default=1, help="the simulator's seed")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer in c")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the chosen scenarios and print the table."""
    args = parse_args(argv)
    chosen = set(args.scenarios.split(","))
    rows: list[Row] = []
    if "a" in chosen:
        rows += measure(args, "a: requests", args.conversations, incremental=True)
    if "b" in chosen:
        rows += measure(
            args,
            f"b: {args.rate}/min, {args.latency_ms} ms",
            args.ceiling_conversations,
            rate=args.rate,
            latency_ms=args.latency_ms,
        )
    if "c" in chosen:
        peer = not args.no_peer and PEER_PYTHON.exists()
        if not args.no_peer and not peer:
            print("(no .venv-peer: run `make peer-venv` to compare with the peer)", flush=True)
        rows += measure(args, "c: CPU", args.conversations, peer=peer, minimum=False)
    if "d" in chosen:
        for size in (int(part) for part in args.memory_sizes.split(",")):
            rows += measure(args, "d: memory", size, minimum=False)
    print(table(rows), flush=True)
    return rows


if __name__ == "__main__":
    main()
