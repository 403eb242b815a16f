"""Run singer-io's tap-helpscout (the peer) against the local simulator, for the benchmark.

Usage, with the peer's own Python: `.venv-peer/bin/python devtools/peer_redirect.py URL ARGS...`.
The peer's host is fixed in its code. Its package is neither changed nor copied: before it is
imported, `requests.Session.request` is wrapped so that a URL on Help Scout's host goes to the
simulator at URL instead, and any other URL is refused, so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import requests

HELPSCOUT = "https://api.helpscout.net"


def redirect_to(simulator: str) -> None:
    """Send every request of every requests session to `simulator`, or refuse it."""
    if urlparse(simulator).hostname != "127.0.0.1":
        msg = f"the simulator must listen on 127.0.0.1, not {simulator}"
        raise SystemExit(msg)
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]  # noqa: ANN202
        if url.startswith(HELPSCOUT):
            url = simulator + url[len(HELPSCOUT) :]
        if not url.startswith(simulator + "/"):
            msg = "refusing a request outside the simulator"
            raise requests.ConnectionError(msg)
        return original(self, method, url, *args, **kwargs)

    requests.Session.request = request  # type: ignore[method-assign]


def main() -> None:
    """Redirect, then run the peer's own entry point with the remaining arguments."""
    redirect_to(sys.argv[1].rstrip("/"))
    sys.argv = ["tap-helpscout", *sys.argv[2:]]
    from tap_helpscout import main as peer_main  # the peer's package, from its own venv

    peer_main()


if __name__ == "__main__":
    main()
