"""Run the local BigQuery emulator (bqemulator) on 127.0.0.1 for tests and the demo.

Run it with `.venv-bq/bin/python`, never with the project's venv: the emulator's pins clash with
the loader's. Four emulator defects are patched here at run time, before the server starts, so
that site-packages stays untouched. The ports it binds are printed as one JSON line on stdout
(and written to `--ports-file` when given); SIGTERM or SIGINT stops it and deletes its data.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import shutil
import signal
import sys
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

GZIP_MAGIC = b"\x1f\x8b"


def keep_duckdb_offline(extension_dir: Path) -> None:
    """Make every DuckDB connection refuse to download extensions.

    bqemulator runs `INSTALL spatial` at start and stops when the download fails. Pointing the
    extension directory and repository at an empty local folder makes any install fail at once
    instead of reaching for the network, and the missing spatial extension becomes a warning:
    only GEOGRAPHY, which this project never loads, needs it.
    """
    import duckdb
    from bqemulator.storage import engine as engine_module

    offline = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "extension_directory": str(extension_dir),
        "custom_extension_repository": str(extension_dir),
        "autoinstall_extension_repository": str(extension_dir),
    }
    original_connect = duckdb.connect

    def connect_offline(*args: Any, **kwargs: Any) -> Any:
        kwargs["config"] = {**offline, **(kwargs.get("config") or {})}
        return original_connect(*args, **kwargs)

    duckdb.connect = connect_offline

    def load_spatial_if_present(self: Any) -> None:
        try:
            self.connection.execute("LOAD spatial")
        except duckdb.Error as exc:
            warnings.warn(
                "DuckDB spatial extension not installed, GEOGRAPHY is unsupported: "
                + str(exc).splitlines()[0],
                RuntimeWarning,
                stacklevel=1,
            )

    engine_module.DuckDBEngine._load_spatial = load_spatial_if_present


def sniff_gzip_uploads(scratch_dir: Path) -> None:
    """Let load jobs read gzip-compressed files whatever their name.

    Uploads are staged as `<id>.bin`, so DuckDB never guesses gzip from the name and loads no rows,
    while the job still reports success. Real BigQuery looks at the content; so do we: a file that
    starts with the gzip magic bytes is inflated next to it before the original handler reads it.
    """
    from bqemulator.jobs import executor

    def gzip_aware(handler: Callable[[str, str, Any], None]) -> Callable[[str, str, Any], None]:
        def load(path: str, target_ref: str, ctx: Any) -> None:
            with open(path, "rb") as source:
                is_gzip = source.read(2) == GZIP_MAGIC
            if not is_gzip:
                handler(path, target_ref, ctx)
                return
            fd, plain_path = tempfile.mkstemp(dir=scratch_dir, suffix=".plain")
            try:
                with gzip.open(path, "rb") as packed, os.fdopen(fd, "wb") as plain:
                    shutil.copyfileobj(packed, plain)
                handler(plain_path, target_ref, ctx)
            finally:
                os.unlink(plain_path)

        return load

    for source_format in ("CSV", "JSON", "NEWLINE_DELIMITED_JSON"):
        original = executor._LOAD_FORMAT_HANDLERS[source_format]
        executor._LOAD_FORMAT_HANDLERS[source_format] = gzip_aware(original)


def unqualify_merge_update_set() -> None:
    """Rewrite `MERGE ... UPDATE SET target.col = ...` to `UPDATE SET col = ...`.

    BigQuery accepts a table alias before the column being set; DuckDB rejects it, so every
    upsert of target-bigquery fails. bqemulator's own hook for extra sqlglot rewrites (a
    registered TranslationRule) is the place to drop that alias.
    """
    from bqemulator.sql.rules import TranslationRule, register
    from sqlglot import exp

    @register
    class UnqualifiedMergeUpdateSet(TranslationRule):
        name = "MERGE_UPDATE_SET_UNQUALIFIED"

        def applies_to(self, node: exp.Expression) -> bool:
            return (
                isinstance(node, exp.Update)
                and isinstance(node.parent, exp.When)
                and any(
                    isinstance(pair, exp.EQ)
                    and isinstance(pair.this, exp.Column)
                    and bool(pair.this.table)
                    for pair in node.expressions
                )
            )

        def rewrite(self, node: exp.Expression) -> exp.Expression:
            update = node.copy()
            for pair in update.expressions:
                if isinstance(pair, exp.EQ) and isinstance(pair.this, exp.Column):
                    pair.set("this", exp.column(pair.this.args["this"].copy()))
            return update


def quote_record_field_names() -> None:
    """Quote the names of a RECORD's fields in the DuckDB table the emulator creates.

    bqemulator quotes a table's column names but not the field names inside a RECORD, so DuckDB
    refuses a field named like a keyword (`order`, which mailbox fields and their options have)
    and the loader retries the table's creation forever. BigQuery accepts such names.
    """
    from bqemulator.api.routes import tables
    from bqemulator.storage import type_map

    original = type_map.bq_schema_to_duckdb_columns

    def quoted_columns(fields: list[dict[str, Any]]) -> list[tuple[str, str]]:
        columns: list[tuple[str, str]] = []
        for field in fields:
            if str(field["type"]).upper() not in ("RECORD", "STRUCT"):
                columns += original([field])
                continue
            inner = quoted_columns(field.get("fields", []))
            duckdb_type = "STRUCT(" + ", ".join(f'"{name}" {kind}' for name, kind in inner) + ")"
            if str(field.get("mode") or "NULLABLE").upper() == "REPEATED":
                duckdb_type += "[]"
            columns.append((field["name"], duckdb_type))
        return columns

    # The jobs executor imports the function when it runs; the tables route holds its own name.
    type_map.bq_schema_to_duckdb_columns = quoted_columns
    tables.bq_schema_to_duckdb_columns = quoted_columns


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", default="local-project", help="default project id")
    parser.add_argument("--rest-port", type=int, default=9050, help="REST port, 0 picks a free one")
    parser.add_argument("--grpc-port", type=int, default=9060, help="gRPC port, 0 picks a free one")
    parser.add_argument("--ports-file", type=Path, help="also write the bound ports here as JSON")
    parser.add_argument("--log-level", default="warning", help="emulator log level")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace, data_dir: Path) -> None:
    """Start the emulator, announce its ports, and run until SIGTERM or SIGINT."""
    from bqemulator.config import LogFormat, LogLevel, PersistenceMode, Settings
    from bqemulator.server import EmulatorServer

    # Everything is passed explicitly so that no BQEMU_* variable or .bqemu.toml can point the
    # emulator at another host or at a tracing collector.
    settings = Settings(
        rest_host="127.0.0.1",
        grpc_host="127.0.0.1",
        rest_port=args.rest_port,
        grpc_port=args.grpc_port,
        default_project_id=args.project,
        persistence_mode=PersistenceMode.PERSISTENT,
        data_dir=data_dir / "db",
        gcs_local_root=data_dir / "gcs",
        upload_staging_dir=data_dir / "uploads",
        enable_format_extensions=False,
        tracing_enabled=False,
        otlp_endpoint=None,
        log_level=LogLevel(args.log_level.lower()),
        log_format=LogFormat.JSON,
    )
    server = EmulatorServer(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    await server.start()
    try:
        ports = {
            "rest_port": server.rest_port,
            "grpc_port": server.grpc_port,
            "rest_url": server.rest_url,
            "project": args.project,
            "pid": os.getpid(),
        }
        if args.ports_file is not None:
            # Written then renamed, so a reader polling for the file never sees half of it.
            partial = args.ports_file.with_suffix(".partial")
            partial.write_text(json.dumps(ports))
            partial.replace(args.ports_file)
        print(json.dumps(ports), flush=True)
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    """Patch the emulator, serve, and remove every file it wrote."""
    args = parse_args(argv)
    from bqemulator.config import LogFormat, LogLevel
    from bqemulator.observability.logging_ import configure_logging

    # Set before the patches import bqemulator's SQL modules, which log at import time.
    configure_logging(level=LogLevel(args.log_level.lower()), fmt=LogFormat.JSON)
    with tempfile.TemporaryDirectory(prefix="bqemu-") as tmp:
        data_dir = Path(tmp)
        for folder in ("db", "gcs", "uploads", "extensions", "scratch"):
            (data_dir / folder).mkdir()
        keep_duckdb_offline(data_dir / "extensions")
        sniff_gzip_uploads(data_dir / "scratch")
        unqualify_merge_update_set()
        quote_record_field_names()
        # A .bqemu.toml in the caller's folder would be read by the emulator's settings.
        os.chdir(data_dir)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args, data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
