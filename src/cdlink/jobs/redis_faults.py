"""Redis faults told plainly: one sentence naming the server (host:port, never a password), and
a growing delay between tries, instead of a traceback on every scheduler tick.

``redis_fault`` turns a redis-py connection error into a ``RedisUnavailableError``; the command
line prints it as one line, ``/healthz`` reports it under ``redis``, and the scheduler loop logs
it once per failed try while ``cdlink.jobs.backoff.Backoff`` doubles the wait (up to a minute).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import AuthenticationError, ConnectionError, RedisError, TimeoutError

from cdlink.core.errors import CdlinkError

PROBE_TIMEOUT_SECONDS = 2.0


class RedisUnavailableError(CdlinkError):
    """Redis, which the distributed runtime needs, does not answer."""

    default_hint = "Start Redis, or correct CDLINK_REDIS_URL (host, port and password)."


def redis_where(url: str) -> str:
    """host:port of a Redis URL, for messages (the password stays out)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def redis_fault(error: RedisError, url: str) -> RedisUnavailableError:
    """One sentence for what went wrong talking to Redis."""
    if isinstance(error, AuthenticationError):
        reason = "authentication failed"
    elif isinstance(error, TimeoutError):
        reason = "timed out"
    elif isinstance(error, ConnectionError) and "refused" in str(error).lower():
        reason = "connection refused"
    elif isinstance(error, ConnectionError):
        reason = "connection failed"
    else:
        reason = type(error).__name__
    return RedisUnavailableError(f"cannot reach Redis at {redis_where(url)} ({reason})")


class RedisProbe:
    """Ping Redis with short time-outs; raises ``RedisUnavailableError`` when it does not answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = Redis.from_url(
            url,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )

    def ping(self) -> None:
        try:
            self.client.ping()
        except RedisError as error:
            raise redis_fault(error, self.url) from None

    def close(self) -> None:
        self.client.close()


def ensure_redis(url: str) -> None:
    """Raise ``RedisUnavailableError`` unless Redis answers now (checked at start-up)."""
    probe = RedisProbe(url)
    try:
        probe.ping()
    finally:
        probe.close()
