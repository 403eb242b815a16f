"""One OAuth2 client-credentials token for the whole run, shared by every stream.

Help Scout tokens last `expires_in` seconds (48 hours today, 2 hours in older docs), and expiry
may show only as a 401. The token is renewed shortly before it runs out and once after a 401;
a second 401 in a row means the credentials themselves are refused.
"""

from __future__ import annotations

import threading
import time
import typing as t

import requests
from singer_sdk.authenticators import APIAuthenticatorBase

from tap_helpscout.errors import (
    CredentialsRefusedError,
    HelpScoutAPIError,
    TokenUnavailableError,
)

# Renew this long before the token's stated expiry, so a request never leaves with a token that
# dies on the way.
RENEW_MARGIN_SECONDS = 60


class ClientCredentialsAuthenticator(APIAuthenticatorBase):
    """Gets, caches and renews a client-credentials access token. Safe to share across threads."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 60,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an authenticator; no request is sent until the first API call.

        Args:
            token_url: The token endpoint, `{api_url}/v2/oauth2/token`.
            client_id: The Help Scout app's App ID.
            client_secret: The Help Scout app's App Secret.
            timeout: Seconds to wait for the token endpoint.
            clock: Monotonic clock, replaceable in tests.
        """
        super().__init__()
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_issued = 0
        # True while the current token was fetched because its predecessor was refused: if it is
        # refused as well, the credentials are the problem, not the token's age.
        self._issued_after_rejection = False
        self._rejection_pending = False

    def __repr__(self) -> str:
        """Never show the token or the secret, even in a traceback's locals."""
        return f"ClientCredentialsAuthenticator(token_url={self._token_url!r})"

    @property
    def current_token(self) -> str:
        """The token to send now, fetched or renewed first when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch_token()
            assert self._token is not None
            return self._token

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the bearer token to a request."""
        request.headers["Authorization"] = f"Bearer {self.current_token}"
        return request

    def token_rejected(self, request: requests.PreparedRequest) -> bool:
        """Forget the token a request was refused with; say whether a fresh token was refused.

        When several requests in flight are refused with the same token, only the first one
        causes a renewal; the others find it already replaced and simply try again.

        Returns:
            True when the refused token had itself just replaced a refused one.
        """
        sent = request.headers.get("Authorization", "")
        with self._lock:
            if self._token is None or sent != f"Bearer {self._token}":
                return False
            self._token = None
            self._rejection_pending = True
            return self._issued_after_rejection

    def token_accepted(self) -> None:
        """Note that a request got past authentication."""
        self._issued_after_rejection = False

    def _fetch_token(self) -> None:
        # Form encoding: the docs allow JSON too, but some clients report 400s with it.
        try:
            response = self._session.post(
                self._token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            reason = type(error).__name__
            msg = f"Could not reach the Help Scout token endpoint {self._token_url}: {reason}"
            raise TokenUnavailableError(msg) from None
        if response.status_code in {400, 401, 403}:
            msg = (
                "Help Scout refused the credentials (client_id / client_secret) at "
                f"{self._token_url} with HTTP {response.status_code}"
            )
            raise CredentialsRefusedError(msg)
        if response.status_code != 200:
            msg = f"The Help Scout token endpoint answered HTTP {response.status_code}"
            if response.status_code == 429 or response.status_code >= 500:
                raise TokenUnavailableError(msg)
            raise HelpScoutAPIError(msg)
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = float(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError):
            msg = "The Help Scout token endpoint answered without a usable access_token"
            raise HelpScoutAPIError(msg) from None
        self._token = token
        self._issued_after_rejection, self._rejection_pending = self._rejection_pending, False
        self._renew_at = self._clock() + max(expires_in - RENEW_MARGIN_SECONDS, expires_in / 2)
        self.tokens_issued += 1
