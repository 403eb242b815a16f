"""`tap-helpscout-check`: can these credentials read every selected stream? One page each.

singer-sdk's `--test` stops at the first stream that fails; this asks every selected top-level
stream for the first page a run would read and prints one line per stream, `ok` or the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import typing as t
from pathlib import Path

import requests
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

from tap_helpscout.client import HelpScoutStream
from tap_helpscout.tap import TapHelpScout

if t.TYPE_CHECKING:
    from collections.abc import Sequence

# Enough to ride out one hiccup; a check that waits minutes on a failing API helps nobody.
CHECK_REQUEST_TRIES = 3

EXIT_OK, EXIT_STREAM_FAILED, EXIT_BAD_CONFIG = 0, 1, 2


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tap-helpscout-check",
        description=(
            "Read the first page of every selected stream and say, per stream, whether it "
            "works. Exits 1 if any stream failed, 2 if the config is invalid."
        ),
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="PATH|ENV",
        help="Config JSON file, as for tap-helpscout (repeatable); ENV reads TAP_HELPSCOUT_*.",
    )
    parser.add_argument("--catalog", metavar="PATH", help="Catalog whose selection to check.")
    return parser.parse_args(argv)


SECRET_SETTINGS = tuple(
    name
    for name, prop in TapHelpScout.config_jsonschema["properties"].items()
    if prop.get("secret")
)


def _secret_values(files: list[Path], config: dict[str, t.Any] | None = None) -> list[str]:
    """Every secret value the check was given, from the config, the files or the environment."""
    sources: list[dict[str, t.Any]] = [config or {}]
    for path in files:
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        sources.append(loaded if isinstance(loaded, dict) else {})
    sources.append(
        {name: os.environ.get(f"TAP_HELPSCOUT_{name.upper()}") for name in SECRET_SETTINGS}
    )
    return [str(s[name]) for s in sources for name in SECRET_SETTINGS if s.get(name)]


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _reason(error: Exception) -> str:
    """One line that says why a stream's first page could not be read."""
    if isinstance(error, (FatalAPIError, RetriableAPIError)):
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, requests.RequestException):
        # The exception's text holds connection internals; its kind is what a person needs.
        return f"could not reach Help Scout ({type(error).__name__})"
    return f"unexpected {type(error).__name__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; print one line per stream on stdout and return the exit code."""
    args = _arguments(argv)
    files = [Path(path) for path in args.config if path != "ENV"]
    try:
        tap = TapHelpScout(
            config=files or None,  # type: ignore[arg-type]
            catalog=args.catalog,
            parse_env_config="ENV" in args.config,
            setup_mapper=False,
        )
    except ConfigValidationError as error:
        # Validation messages may quote a value; none of them may quote a secret.
        print(_redact(f"config: {'; '.join(error.errors) or error}", _secret_values(files)))
        return EXIT_BAD_CONFIG

    secrets = _secret_values(files, dict(tap.config))
    failed = checked = 0
    for name, stream in tap.streams.items():
        if not (isinstance(stream, HelpScoutStream) and stream.selected):
            continue
        if stream.parent_stream_type is not None:
            parent = getattr(stream.parent_stream_type, "name", "parent")
            print(f"{name}: not requested on its own (read through {parent})")
            continue
        checked += 1
        stream.max_request_tries = CHECK_REQUEST_TRIES
        try:
            count = stream.read_first_page()
        except Exception as error:  # every failure, whatever its kind, is a line of the report
            failed += 1
            print(f"{name}: {_redact(_reason(error), secrets)}")
        else:
            print(f"{name}: ok ({count} records on the first page)")
    if not checked:
        print("no top-level stream is selected: nothing to check")
        return EXIT_BAD_CONFIG
    return EXIT_STREAM_FAILED if failed else EXIT_OK


def cli() -> None:
    """Console script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    cli()
