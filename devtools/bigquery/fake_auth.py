"""A stand-in for Google's OAuth token endpoint, and throwaway service-account files that use it.

target-bigquery insists on credentials even when it talks to the emulator. A service-account file
with a fresh RSA key whose `token_uri` points at a token server on 127.0.0.1 satisfies Google's
auth library without any request leaving this machine. Nothing here is a real secret.
"""

from __future__ import annotations

import json
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

TOKEN_LIFETIME_SECONDS = 3600


class _TokenHandler(BaseHTTPRequestHandler):
    """Answer every POST, whatever its body, with a bearer token."""

    def do_POST(self) -> None:
        # The body (a signed JWT assertion) must be read, or the client may see a reset.
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {
                "access_token": f"local-{uuid.uuid4().hex}",
                "expires_in": TOKEN_LIFETIME_SECONDS,
                "token_type": "Bearer",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: one line per token request would only clutter test output."""


class FakeTokenServer:
    """A token endpoint on 127.0.0.1, served from a background thread of this process.

    Port 0 (the default) picks a free port; `token_uri` tells where it ended up.
    """

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _TokenHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-token-server", daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server is bound to."""
        return int(self._server.server_address[1])

    @property
    def token_uri(self) -> str:
        """The address to put in a service-account file."""
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> FakeTokenServer:
        """Start answering requests."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and free the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeTokenServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def new_private_key_pem() -> str:
    """Return a freshly generated 2048-bit RSA private key in PKCS#8 PEM form."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        # Not every venv has cryptography; the openssl command line does the same job.
        return subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()


def write_service_account_file(path: Path, *, project: str, token_uri: str) -> Path:
    """Write a throwaway service-account JSON file whose tokens come from `token_uri`."""
    key_id = uuid.uuid4().hex
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": key_id,
        "private_key": new_private_key_pem(),
        "client_email": f"local-loader@{project}.iam.gserviceaccount.com",
        "client_id": str(uuid.uuid4().int)[:21],
        "auth_uri": token_uri,
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info, indent=2))
    path.chmod(0o600)
    return path
