"""Redis stores for the marketplace client, so every worker of a seller shares one access token
and one call budget.

``cdlink.octopia`` defines the two protocols (``TokenStore``, ``BudgetStore``) with in-memory
implementations for one process. In the distributed runtime every ``cdlink worker`` builds its
clients with these instead: a token fetched by one worker is used by all (no token storm when
many workers start), and the token bucket of a (seller, endpoint group) lives in one Redis hash
updated by compare-and-set, so all workers together respect one seller's budget.

Tokens are encrypted with the secret box before they reach Redis (a bearer token is a secret,
even a short-lived one), and expire in Redis when they go stale. Idle buckets expire too: an
absent bucket starts full, which is what a seller idle for an hour should get.
"""

from __future__ import annotations

from datetime import timedelta

from redis import Redis

from cdlink.core.clock import Clock
from cdlink.core.errors import SecretBoxError
from cdlink.core.secret_box import SecretBox
from cdlink.octopia import BucketState, CachedToken

# Compare-and-set of a bucket: write only if the stored version is still the expected one.
_SAVE = """
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[1], 'tokens', ARGV[1], 'rate', ARGV[2], 'updated_at', ARGV[3],
           'decreased_at', ARGV[6], 'version', version + 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisTokenStore:
    """A ``TokenStore`` in Redis, shared by every process; values encrypted by ``box``."""

    def __init__(self, client: Redis, *, namespace: str, clock: Clock, box: SecretBox) -> None:
        self.client = client
        self.namespace = namespace
        self.clock = clock
        self.box = box

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def get(self, key: str) -> CachedToken | None:
        stored = self.client.get(self._key(key))
        if stored is None:
            return None
        try:
            return CachedToken.from_json(self.box.decrypt(_text(stored)))
        except SecretBoxError:
            # Written under a key this process no longer has: fetch a new token instead.
            self.delete(key)
            return None

    def put(self, key: str, token: CachedToken) -> None:
        left = token.expires_at - self.clock.now()
        if left <= timedelta(0):
            self.delete(key)
            return
        milliseconds = max(1, int(left.total_seconds() * 1000))
        self.client.set(self._key(key), self.box.encrypt(token.to_json()), px=milliseconds)

    def delete(self, key: str) -> None:
        self.client.delete(self._key(key))

    def __repr__(self) -> str:
        return f"RedisTokenStore(namespace={self.namespace!r})"


class RedisBudgetStore:
    """A ``BudgetStore`` in Redis: one hash per bucket, saved by an atomic compare-and-set."""

    def __init__(
        self, client: Redis, *, namespace: str, idle: timedelta = timedelta(hours=1)
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.idle_milliseconds = int(idle.total_seconds() * 1000)
        self._save = client.register_script(_SAVE)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def load(self, key: str) -> tuple[BucketState | None, int]:
        names = ["tokens", "rate", "updated_at", "version", "decreased_at"]
        fields = self.client.hmget(self._key(key), names)
        tokens, rate, updated_at, version, decreased_at = (
            None if v is None else _text(v) for v in fields
        )
        if tokens is None or rate is None or updated_at is None or version is None:
            return None, 0
        # A bucket saved before ``decreased_at`` existed was never halved as far as it knows.
        decreased = float(decreased_at) if decreased_at is not None else float("-inf")
        return BucketState(float(tokens), float(rate), float(updated_at), decreased), int(version)

    def save(self, key: str, state: BucketState, expected_version: int) -> bool:
        # repr() keeps every bit of a float, so a bucket reads back exactly as it was saved.
        arguments: list[str | int] = [
            repr(state.tokens),
            repr(state.rate),
            repr(state.updated_at),
            expected_version,
            self.idle_milliseconds,
            repr(state.decreased_at),
        ]
        return bool(self._save(keys=[self._key(key)], args=arguments))

    def __repr__(self) -> str:
        return f"RedisBudgetStore(namespace={self.namespace!r})"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
