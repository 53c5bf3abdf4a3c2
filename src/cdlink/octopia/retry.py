"""The short retry horizon: a few attempts within seconds, inside one marketplace call.

``RetryPolicy`` retries 429, 500, 502, 503, 504 and transport errors with capped exponential
backoff and full jitter (attempt ``n`` waits a uniform time in ``[0, min(cap, initial · 2ⁿ)]``),
and honours ``Retry-After`` (seconds or an HTTP-date). It never sleeps longer than its cap: when
the server asks for more, the call fails with ``RateLimited`` carrying ``retry_after`` and the job
layer (the long horizon, minutes to hours) waits instead.

A request that is not idempotent (POST, PATCH) is sent again only when it provably never reached
the server: the connection could not be opened (``ConnectError``, ``ConnectTimeout``,
``PoolTimeout``), or the server refused it unprocessed with 429. A dropped connection after the
request was written (``ReadError``, ``RemoteProtocolError``…) may have been acted upon, so
sending it again could ship an order twice; that failure goes up to the caller instead.

Every wait of the client (a retry's backoff, the budget's ``acquire``) goes through the policy's
``sleep``. ``StopAwareSleep(event)`` is a sleep that ends as soon as ``event`` is set (a process
shutting down) and then raises ``CallInterrupted`` instead of sending again.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from cdlink.octopia.errors import TransportError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Exceptions raised before any byte of the request reached the server.
NEVER_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


def _uniform() -> float:
    return random.random()  # noqa: S311  (jitter spreads retries; it protects no secret)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending a failed request again.

    ``sleep`` and ``uniform`` (a source of numbers in ``[0, 1)``) are seams for tests:
    ``RetryPolicy(sleep=recorded.append)`` retries without waiting.
    """

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    retry_unsent_on_429: bool = True
    sleep: Callable[[float], None] = time.sleep
    uniform: Callable[[], float] = _uniform

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("retries and delays must not be negative")

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** min(attempt, 64))
        return ceiling * min(max(self.uniform(), 0.0), 1.0)

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry ``attempt``, or None when ``retry_after`` exceeds the cap.

        The server's ``Retry-After`` is a floor: the jittered backoff is used when it is longer.
        """
        backoff = self.backoff(attempt)
        if retry_after is None:
            return backoff
        if retry_after > self.max_delay:
            return None
        return min(self.max_delay, max(retry_after, backoff))

    def may_retry_status(self, status: int, *, idempotent: bool, attempt: int) -> bool:
        """Whether an answer with ``status`` is worth sending the request again for."""
        if attempt >= self.max_retries or status not in self.retry_statuses:
            return False
        if idempotent:
            return True
        # 429 means the request was turned away before being processed (RFC 6585).
        return status == 429 and self.retry_unsent_on_429

    def may_retry_error(
        self, error: httpx.TransportError, *, idempotent: bool, attempt: int
    ) -> bool:
        """Whether a request that failed with ``error`` is worth sending again."""
        if attempt >= self.max_retries:
            return False
        return idempotent or never_sent(error)

    def without_retries(self) -> RetryPolicy:
        return dataclasses.replace(self, max_retries=0)


class CallInterrupted(TransportError):  # noqa: N818  (named for what happened, like RateLimited)
    """A wait inside the client was cut short because the caller is stopping (a shutdown).

    The call it belonged to may have reached the marketplace on an earlier attempt: its outcome
    is unknown, as after a dropped connection.
    """

    default_hint = "cdlink was stopping; the call is made again at the next start."


@dataclasses.dataclass(frozen=True)
class StopAwareSleep:
    """A ``sleep`` for ``RetryPolicy`` and ``Budget`` that ends when ``stopping`` is set."""

    stopping: threading.Event

    def __call__(self, seconds: float) -> None:
        if self.stopping.wait(max(0.0, seconds)):
            raise CallInterrupted(
                "the wait before the next call was interrupted", request_sent=True
            )


def is_idempotent(method: str) -> bool:
    """True for the HTTP methods that may be repeated without changing the outcome."""
    return method.upper() in IDEMPOTENT_METHODS


def never_sent(error: httpx.TransportError) -> bool:
    """True when ``error`` proves the request never reached the server."""
    return isinstance(error, NEVER_SENT_ERRORS)


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (never negative), from delay-seconds or an HTTP-date.

    ``now`` is needed for the HTTP-date form; without it that form is ignored.
    """
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    if now is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())
