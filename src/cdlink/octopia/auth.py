"""OAuth for the Octopia API as an ``httpx.Auth`` flow: one token, renewed by one thread at a time.

``OctopiaAuth`` adds ``Authorization: Bearer …`` to every request. The token comes from a
``TokenStore`` while it is fresh (the server's ``expires_in`` minus a margin); otherwise it is
asked from the token endpoint, under a lock shared by every client of the same credentials in
the process, with a second look at the store inside the lock so that threads that waited reuse
the token the first one got. A 401 from the API renews the token once and sends the request
again; a second 401 becomes ``AuthError``. A refused credential becomes ``CredentialsRejected``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Mapping
from datetime import timedelta

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cdlink.core.clock import Clock
from cdlink.octopia.credentials import Credentials
from cdlink.octopia.responses import error_for_response, json_body, malformed
from cdlink.octopia.tokens import CachedToken, TokenStore

DEFAULT_MARGIN = timedelta(seconds=120)

TokenSender = Callable[[str, Mapping[str, str]], httpx.Response]
"""POSTs a token form to a URL (with the client's retries and logging); returns the answer."""


class TokenResponse(BaseModel):
    """The token endpoint's answer (Keycloak): only the token and its lifetime are required."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, hide_input_in_errors=True)

    access_token: str = Field(min_length=1, repr=False)
    expires_in: int = Field(gt=0, strict=True)
    token_type: str = "Bearer"  # noqa: S105  (the OAuth token type, not a secret)
    refresh_expires_in: int | None = None
    not_before_policy: int | None = Field(default=None, alias="not-before-policy")
    scope: str | None = None


class _Locks:
    """One lock per token key, so that all clients of one seller in a process renew once."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def for_key(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


_locks = _Locks()


class OctopiaAuth(httpx.Auth):
    """Bearer authentication with a cached, shared, single-flight renewed token."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        token_url: str,
        token_store: TokenStore,
        send_token_request: TokenSender,
        clock: Clock,
        margin: timedelta = DEFAULT_MARGIN,
    ) -> None:
        self._credentials = credentials
        self._token_url = token_url
        self._store = token_store
        self._send = send_token_request
        self._clock = clock
        self._margin = margin
        self._key = credentials.cache_key(token_url)
        self._lock = _locks.for_key(self._key)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token = self.token()
        _authorize(request, token)
        response = yield request
        if response.status_code != 401:
            return
        # The token was revoked or expired early: renew it once and send the request again.
        _authorize(request, self.renew(rejected=token))
        yield request

    def token(self) -> CachedToken:
        """A fresh token: from the store, or from the token endpoint by one thread at a time."""
        cached = self._store.get(self._key)
        if cached is not None and cached.is_fresh(self._clock.now()):
            return cached
        with self._lock:
            # Another thread may have renewed it while this one waited for the lock.
            cached = self._store.get(self._key)
            if cached is not None and cached.is_fresh(self._clock.now()):
                return cached
            return self._fetch_and_store()

    def renew(self, rejected: CachedToken) -> CachedToken:
        """A token other than ``rejected``: a newer stored one, or a new one from the endpoint."""
        with self._lock:
            cached = self._store.get(self._key)
            if (
                cached is not None
                and cached.access_token != rejected.access_token
                and cached.is_fresh(self._clock.now())
            ):
                return cached
            self._store.delete(self._key)
            return self._fetch_and_store()

    def forget(self) -> None:
        """Drop the cached token (for example after the credentials were changed)."""
        self._store.delete(self._key)

    def _fetch_and_store(self) -> CachedToken:
        token = self._fetch()
        self._store.put(self._key, token)
        return token

    def _fetch(self) -> CachedToken:
        response = self._send(self._token_url, self._credentials.token_form())
        if not response.is_success:
            raise error_for_response(response, token_endpoint=True, now=self._clock.now())
        try:
            answer = TokenResponse.model_validate(json_body(response))
        except ValidationError as error:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors())
            raise malformed(response, f"token answer without a valid {fields}") from None
        margin = min(self._margin, timedelta(seconds=answer.expires_in / 4))
        expires_at = self._clock.now() + timedelta(seconds=answer.expires_in) - margin
        return CachedToken(answer.access_token, expires_at, answer.token_type)


def _authorize(request: httpx.Request, token: CachedToken) -> None:
    request.headers["Authorization"] = f"Bearer {token.access_token}"
