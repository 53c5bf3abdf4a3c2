"""Leadership of the distributed scheduler: one active ``cdlink scheduler`` among several.

A Redis key holds the leader's token with a time to live; the leader renews it well before it
runs out, and a standby takes it when it does. The database, not this lock, guarantees that a
stream is queued once (``stream_schedules.queued_at`` is claimed row by row), so two leaders for
a moment cost nothing but a redundant query.
"""

from __future__ import annotations

import uuid

from redis import Redis

# Renew or release only if the key still holds our token (another leader may have taken over).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock:
    """``hold()`` returns whether this process leads now (taking or renewing the lock)."""

    def __init__(self, client: Redis, key: str, *, ttl_seconds: float) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = int(ttl_seconds * 1000)
        self.token = uuid.uuid4().hex
        self.leading = False

    def hold(self) -> bool:
        if self.leading:
            self.leading = bool(self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))
        if not self.leading:
            self.leading = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        return self.leading

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)
        self.leading = False
