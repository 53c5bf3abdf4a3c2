"""Where access tokens are kept between calls, so that workers ask for one only when needed.

A ``TokenStore`` maps a key (``Credentials.cache_key``: a hash, never the secret) to a
``CachedToken``. ``InMemoryTokenStore`` serves one process; a shared store (Redis, the database)
implements the same three methods so that every worker of a seller uses one token. A store only
keeps values: deciding when a token is stale and who renews it is the auth flow's job.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime
from typing import Protocol

from cdlink.core.clock import ensure_utc


@dataclasses.dataclass(frozen=True)
class CachedToken:
    """An access token and when to stop using it (aware UTC).

    ``expires_at`` is already the server's expiry minus the auth flow's safety margin, so every
    reader of a shared store agrees on when the token is stale.
    """

    access_token: str = dataclasses.field(repr=False)
    expires_at: datetime
    token_type: str = "Bearer"  # noqa: S105  (the OAuth token type, not a secret)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expires_at", ensure_utc(self.expires_at))

    def is_fresh(self, now: datetime) -> bool:
        """True while the token may still be used at ``now``."""
        return now < self.expires_at

    def to_json(self) -> str:
        """The token as JSON, for stores that keep text (it holds the token: store it privately)."""
        return json.dumps(
            {
                "access_token": self.access_token,
                "expires_at": self.expires_at.isoformat(),
                "token_type": self.token_type,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CachedToken:
        data = json.loads(text)
        return cls(
            access_token=data["access_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            token_type=data.get("token_type", "Bearer"),
        )


class TokenStore(Protocol):
    """Keeps cached tokens by key. Implementations must be safe to call from several threads.

    - ``get(key)``: the token last put under ``key``, or None. A store may drop a token after its
      ``expires_at`` (a Redis store sets the key's TTL to it) but need not.
    - ``put(key, token)``: replace the token under ``key``.
    - ``delete(key)``: forget the token under ``key``; no error when there is none.
    """

    def get(self, key: str) -> CachedToken | None: ...

    def put(self, key: str, token: CachedToken) -> None: ...

    def delete(self, key: str) -> None: ...


class InMemoryTokenStore:
    """A ``TokenStore`` for one process."""

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedToken | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: str, token: CachedToken) -> None:
        with self._lock:
            self._tokens[key] = token

    def delete(self, key: str) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def __repr__(self) -> str:
        return f"InMemoryTokenStore({len(self._tokens)} tokens)"
