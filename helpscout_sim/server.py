"""The HTTP side: a threaded server on 127.0.0.1 that hands every request to ``SimulatorApp``."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from helpscout_sim.app import Response, SimulatorApp
from helpscout_sim.config import SimulatorConfig

LOOPBACK = "127.0.0.1"


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: SimulatorApp


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as a client session expects; every answer sets a length.
    protocol_version = "HTTP/1.1"
    server: _HttpServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        host = headers.get("host") or f"{LOOPBACK}:{self.server.server_address[1]}"
        app = self.server.app
        response = app.handle(method, self.path, headers, body, f"http://{host}")
        delay = app.latency_seconds(self.path) + response.stall_seconds
        if delay:
            time.sleep(delay)  # outside the lock, so slow answers still overlap
        if response.reset:
            self._reset()
            return
        self._send(response)

    def _reset(self) -> None:
        """Drop the connection unanswered; a zero linger makes the close an RST."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _send(self, response: Response) -> None:
        payload = response.encoded()
        self.send_response(response.status)
        if response.body is not None or response.raw is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: /_sim/requests and /_sim/stats say what happened."""


class SimulatorServer:
    """A running simulator: ``with SimulatorServer(SimulatorConfig(seed=1)) as sim: sim.url``."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.app = SimulatorApp(self.config)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        """Bind 127.0.0.1 and serve on a background thread."""
        if self._httpd is not None:
            return self
        httpd = _HttpServer((LOOPBACK, self.config.port), _Handler)
        httpd.app = self.app
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="helpscout-sim",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Block until ``stop`` is called from another thread (used by the CLI)."""
        self.start()
        if self._thread is not None:
            while self._thread.is_alive():
                self._thread.join(timeout=0.2)

    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            raise RuntimeError("simulator is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Root URL of the API, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{LOOPBACK}:{self.port}"

    def truth(self, stream: str | None = None) -> dict[str, list[Any]]:
        """Same as ``GET /_sim/truth``."""
        return self.app.truth(stream)

    def control(self, **changes: Any) -> dict[str, Any]:
        """Same as ``POST /_sim/control``."""
        return self.app.control(changes)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
