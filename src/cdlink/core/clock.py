"""Where "now" comes from: an injectable clock, so that cursors and timers can be tested.

Nothing in cdlink calls ``datetime.now()`` inline; it asks a ``Clock``. All times are aware UTC.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx


class Clock(Protocol):
    """A source of the current time (aware, UTC) and of monotonic seconds."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; for tests and the sandbox's time travel."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._monotonic = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (seconds or a timedelta) and return the new now."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._monotonic += seconds
            return self._now


class FollowingClock:
    """The system clock moved forward as far as another clock is ahead of it.

    For a demo or an end-to-end test against the simulated marketplace (``CDLINK_CLOCK_URL``,
    the sandbox's ``/_sandbox/clock``): moving the sandbox's clock moves cdlink's, so scheduled
    work (a flash sale's start and end) can be watched without waiting. The other clock is read
    at most once per ``refresh_seconds``; an unreadable one keeps the last offset; time never goes
    backwards. Monotonic seconds stay the system's (timeouts and pauses are real time).
    """

    def __init__(
        self,
        read: Callable[[], datetime],
        base: Clock | None = None,
        refresh_seconds: float = 1.0,
    ) -> None:
        self._read = read
        self._base = base or SystemClock()
        self._refresh = refresh_seconds
        self._offset = 0.0
        self._next_read = float("-inf")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            base = self._base.now()
            if self._base.monotonic() >= self._next_read:
                self._next_read = self._base.monotonic() + self._refresh
                try:
                    ahead = (self._read() - base).total_seconds()
                except (httpx.HTTPError, KeyError, ValueError):
                    ahead = self._offset
                self._offset = max(self._offset, ahead)
            return base + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        return self._base.monotonic()


def clock_at(url: str) -> Callable[[], datetime]:
    """Reads ``{"now": "<ISO 8601>"}`` from ``url`` (the sandbox's clock)."""

    def read() -> datetime:
        answer = httpx.get(url, timeout=2)
        answer.raise_for_status()
        return ensure_utc(datetime.fromisoformat(str(answer.json()["now"])))

    return read


def ensure_utc(moment: datetime) -> datetime:
    """Return ``moment`` as aware UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
