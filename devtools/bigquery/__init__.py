"""A throwaway local BigQuery for tests and the demo: emulator, token server, credentials.

`LocalBigQuery` starts the emulator (in its own venv, `.venv-bq`) and a fake token server, writes
a throwaway service-account file, and gives the environment that sends target-bigquery to them and
nowhere else. Leaving the `with` block ends everything it started, by process id.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devtools.bigquery.fake_auth import FakeTokenServer, write_service_account_file

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from google.cloud import bigquery

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_PYTHON = REPO_ROOT / ".venv-bq" / "bin" / "python"
EMULATOR_SCRIPT = Path(__file__).resolve().parent / "run_emulator.py"

#: Variables that meltano.yml's `demo` environment reads through `$VAR` expansion.
PROJECT_VAR = "LOCAL_BIGQUERY_PROJECT"
DATASET_VAR = "LOCAL_BIGQUERY_DATASET"
CREDENTIALS_VAR = "LOCAL_BIGQUERY_CREDENTIALS_PATH"

#: Variables that must be absent for the loader: they would lead Google's libraries to real files.
UNSET_FOR_LOADER = ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT")

#: A port that nothing listens on: metadata-server probes fail at once instead of leaving here.
DEAD_ADDRESS = "127.0.0.1:9"


class LocalBigQueryError(RuntimeError):
    """The emulator could not be started or did not become ready."""


class LocalBigQuery:
    """An emulated BigQuery project on 127.0.0.1, alive for the duration of a `with` block.

    Example:
        with LocalBigQuery(project="demo-project", dataset="helpscout") as bq:
            subprocess.run(["meltano", "run", ...], env=bq.subprocess_env(), check=True)
            assert bq.rows("users")
    """

    def __init__(
        self,
        project: str = "demo-project",
        dataset: str = "helpscout",
        *,
        location: str = "US",
        emulator_python: Path | str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.project = project
        self.dataset = dataset
        self.location = location
        self._emulator_python = Path(emulator_python or EMULATOR_PYTHON)
        self._startup_timeout = startup_timeout
        self._workdir: Path | None = None
        self._token_server: FakeTokenServer | None = None
        self._emulator: subprocess.Popen[bytes] | None = None
        self._ports: dict[str, Any] = {}
        self._client: bigquery.Client | None = None
        self.credentials_path: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalBigQuery:
        if not self._emulator_python.exists():
            raise LocalBigQueryError(
                f"{self._emulator_python} not found: build the emulator venv with `make bq-venv`"
            )
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self) -> None:
        self._workdir = Path(tempfile.mkdtemp(prefix="local-bigquery-"))
        (self._workdir / "gcloud").mkdir()

        self._token_server = FakeTokenServer().start()
        self.credentials_path = write_service_account_file(
            self._workdir / "service-account.json",
            project=self.project,
            token_uri=self._token_server.token_uri,
        )

        ports_file = self._workdir / "emulator-ports.json"
        log = (self._workdir / "emulator.log").open("wb")
        with log:
            self._emulator = subprocess.Popen(
                [
                    str(self._emulator_python),
                    str(EMULATOR_SCRIPT),
                    "--project",
                    self.project,
                    "--rest-port",
                    "0",
                    "--grpc-port",
                    "0",
                    "--ports-file",
                    str(ports_file),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._emulator_env(),
                cwd=self._workdir,
            )
        self._ports = self._wait_for_ports(ports_file)
        self._wait_until_ready()
        self.client.create_dataset(self.dataset, exists_ok=True)

    def _emulator_env(self) -> dict[str, str]:
        # The emulator reads BQEMU_* settings from the environment; the launcher passes its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("BQEMU_")}
        env.update(self._offline_google_env())
        return env

    def _wait_for_ports(self, ports_file: Path) -> dict[str, Any]:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if ports_file.exists():
                return dict(json.loads(ports_file.read_text()))
            if self._emulator is not None and self._emulator.poll() is not None:
                raise LocalBigQueryError(
                    f"emulator exited with {self._emulator.returncode}:\n{self.emulator_log()}"
                )
            time.sleep(0.05)
        raise LocalBigQueryError(f"emulator did not start in time:\n{self.emulator_log()}")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(f"{self.rest_url}/readyz", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise LocalBigQueryError(f"emulator never became ready:\n{self.emulator_log()}")

    def close(self) -> None:
        """End the emulator and the token server, free their ports, delete the temp files."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._emulator is not None:
            _end_process(self._emulator)
            self._emulator = None
        if self._token_server is not None:
            self._token_server.stop()
            self._token_server = None
        for key in ("rest_port", "grpc_port"):
            if key in self._ports:
                _wait_port_free(int(self._ports[key]))
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def emulator_log(self) -> str:
        """Return what the emulator has written to stdout and stderr so far."""
        if self._workdir is None:
            return ""
        log = self._workdir / "emulator.log"
        return log.read_text(errors="replace") if log.exists() else ""

    # -- where things are --------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        """Base URL of the emulator's REST API."""
        return f"http://127.0.0.1:{self._ports['rest_port']}"

    @property
    def grpc_port(self) -> int:
        """Port of the emulator's gRPC API (Storage Read/Write)."""
        return int(self._ports["grpc_port"])

    @property
    def emulator_pid(self) -> int | None:
        """Process id of the emulator, while it runs."""
        return self._emulator.pid if self._emulator is not None else None

    @property
    def token_uri(self) -> str:
        """Address of the fake OAuth token endpoint."""
        if self._token_server is None:
            raise LocalBigQueryError("LocalBigQuery is not running")
        return self._token_server.token_uri

    def _offline_google_env(self) -> dict[str, str]:
        if self._workdir is None:
            raise LocalBigQueryError("LocalBigQuery is not running")
        return {
            # Never probe or call a metadata server: the probe would leave this machine.
            "NO_GCE_CHECK": "true",
            "GCE_METADATA_HOST": DEAD_ADDRESS,
            "GCE_METADATA_IP": DEAD_ADDRESS,
            "GCE_METADATA_ROOT": DEAD_ADDRESS,
            # An empty gcloud folder, so no user's gcloud login is picked up.
            "CLOUDSDK_CONFIG": str(self._workdir / "gcloud"),
        }

    @property
    def loader_env(self) -> dict[str, str]:
        """Variables that send target-bigquery (alone or under `meltano run`) to the emulator.

        Also remove the names in `UNSET_FOR_LOADER` from the environment; `subprocess_env`
        does both.
        """
        if self.credentials_path is None or not self._ports:
            raise LocalBigQueryError("LocalBigQuery is not running")
        return {
            **self._offline_google_env(),
            # google-cloud-bigquery 3.x sends every API call here instead of googleapis.com.
            "BIGQUERY_EMULATOR_HOST": self.rest_url,
            # Read by meltano.yml's `demo` environment.
            PROJECT_VAR: self.project,
            DATASET_VAR: self.dataset,
            CREDENTIALS_VAR: str(self.credentials_path),
            # Meltano reads these before meltano.yml, whatever the environment: even a run
            # under another environment cannot then use a real project or real credentials.
            "TARGET_BIGQUERY_PROJECT": self.project,
            "TARGET_BIGQUERY_DATASET": self.dataset,
            "TARGET_BIGQUERY_CREDENTIALS_PATH": str(self.credentials_path),
            "TARGET_BIGQUERY_LOCATION": self.location,
            # Meltano itself stays quiet and offline.
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": "[]",
        }

    def subprocess_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Return `base` (default: this process's environment) with `loader_env` applied."""
        env = dict(os.environ if base is None else base)
        for name in UNSET_FOR_LOADER:
            env.pop(name, None)
        env.update(self.loader_env)
        return env

    def target_config(self, **overrides: Any) -> dict[str, Any]:
        """A target-bigquery config for piping records straight into its executable."""
        config: dict[str, Any] = {
            "project": self.project,
            "dataset": self.dataset,
            "location": self.location,
            "credentials_path": str(self.credentials_path),
            "method": "batch_job",
            "denormalized": True,
        }
        config.update(overrides)
        return config

    # -- reading back ------------------------------------------------------------------------

    @property
    def client(self) -> bigquery.Client:
        """A google-cloud-bigquery client bound to the emulator."""
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import bigquery

            self._client = bigquery.Client(
                project=self.project,
                credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                client_options=ClientOptions(api_endpoint=self.rest_url),
            )
        return self._client

    def _table_id(self, table: str) -> str:
        return table if "." in table else f"{self.project}.{self.dataset}.{table}"

    def tables(self, *, include_temporary: bool = False) -> list[str]:
        """Names of the tables in the dataset, sorted.

        target-bigquery stages each upsert and overwrite in a table named
        `<stream>__<timestamp>__<uuid>`; those are left out unless asked for.
        """
        names = sorted(t.table_id for t in self.client.list_tables(self.dataset))
        if include_temporary:
            return names
        return [name for name in names if "__" not in name]

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts (RECORD as dict, REPEATED as list)."""
        return [dict(row.items()) for row in self.client.query(sql).result()]

    def rows(self, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """Every row of a table, in `order_by` order when given."""
        order = f" ORDER BY {order_by}" if order_by else ""
        return self.query(f"SELECT * FROM `{self._table_id(table)}`{order}")

    def count(self, table: str) -> int:
        """Number of rows in a table, counted by a query rather than taken from metadata."""
        result = self.query(f"SELECT COUNT(*) AS n FROM `{self._table_id(table)}`")
        return int(result[0]["n"])

    def failed_jobs(self) -> list[dict[str, Any]]:
        """Jobs that ended with an error: id, type and error, oldest first.

        target-bigquery can exit 0 after a load job failed, so a run is checked here too. Each
        job is fetched on its own because the emulator's job list leaves the errors out.
        """
        failed = []
        for listed in self.client.list_jobs(all_users=True):
            job = self.client.get_job(listed.job_id)
            if job.error_result:
                failed.append(
                    {
                        "job_id": job.job_id,
                        "job_type": job.job_type,
                        "created": job.created,
                        "error": job.error_result,
                    }
                )
        return sorted(failed, key=lambda job: job["created"].timestamp() if job["created"] else 0.0)

    def schema(self, table: str) -> list[dict[str, Any]]:
        """A table's columns: name, type, mode and, for RECORD, `fields` in the same shape."""
        fields = self.client.get_table(self._table_id(table)).schema
        return [_field_as_dict(field) for field in fields]


def _field_as_dict(field: bigquery.SchemaField) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": field.name,
        "type": field.field_type,
        "mode": field.mode or "NULLABLE",
    }
    if field.fields:
        described["fields"] = [_field_as_dict(sub) for sub in field.fields]
    return described


def _end_process(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Ask a process to stop with SIGTERM, and kill it by pid if it has not within `grace`."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)


def _wait_port_free(port: int, timeout: float = 10.0) -> None:
    """Wait until nothing listens on a port of 127.0.0.1 any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)
