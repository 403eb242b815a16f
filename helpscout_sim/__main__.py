"""Command line: ``python -m helpscout_sim --port 0 --seed 7 --conversations 200``.

Prints one line with the URL, optionally writes it to ``--port-file``, and serves until SIGTERM
or SIGINT, then exits 0.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpscout_sim.config import SimulatorConfig
from helpscout_sim.server import SimulatorServer

if TYPE_CHECKING:
    from types import FrameType


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _parse_list(text: str) -> list[Any]:
    """A JSON list, or for plain words a comma-separated list (``touch,create``)."""
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"not a JSON list: {error}") from None
        if not isinstance(value, list):
            raise argparse.ArgumentTypeError("expected a JSON list")
        return value
    return [part.strip() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """One flag per config field, plus ``--port-file``."""
    parser = argparse.ArgumentParser(
        prog="python -m helpscout_sim",
        description="Serve a simulated Help Scout Inbox API 2.0 + Reports API on 127.0.0.1.",
    )
    defaults = SimulatorConfig()
    for spec in SimulatorConfig.field_specs():
        default = getattr(defaults, spec.name)
        kind: Any = _parse_bool if isinstance(default, bool) else type(default)
        if isinstance(default, list):
            kind = _parse_list
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            dest=spec.name,
            type=kind,
            default=default,
            help=f"{spec.metadata.get('help', '')} (default: {default})".replace("%", "%%"),
        )
    parser.add_argument(
        "--port-file",
        type=Path,
        default=None,
        help="file to write the listening URL to once the port is bound",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until a termination signal arrives."""
    args = vars(build_parser().parse_args(argv))
    port_file: Path | None = args.pop("port_file")
    try:
        config = SimulatorConfig(**args)
    except ValueError as error:
        print(f"helpscout-sim: {error}", file=sys.stderr)
        return 2
    server = SimulatorServer(config).start()
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if port_file is not None:  # written first: a reader of the line may look for the file
        port_file.write_text(server.url + "\n", encoding="utf-8")
    print(f"helpscout-sim listening on {server.url}", flush=True)
    while not stopping.wait(0.2):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
