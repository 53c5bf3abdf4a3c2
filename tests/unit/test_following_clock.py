"""The clock that follows the sandbox's (``CDLINK_CLOCK_URL``): moved forward with it, read at
most once per refresh, never backwards, unchanged when the other clock cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from cdlink.core.clock import FollowingClock, ManualClock


class OtherClock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.reads = 0
        self.broken = False

    def read(self) -> datetime:
        self.reads += 1
        if self.broken:
            raise httpx.ConnectError("the sandbox is down")
        return self.now


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_given_the_other_clock_moved_an_hour_when_read_then_cdlink_is_an_hour_ahead_too() -> None:
    base, other = ManualClock(START), OtherClock(START)
    clock = FollowingClock(other.read, base, refresh_seconds=1)
    assert clock.now() == START
    other.now = START + timedelta(hours=1)
    assert clock.now() == START  # read again only after a second
    base.advance(1)
    assert clock.now() == START + timedelta(hours=1)
    assert other.reads == 2


def test_given_the_other_clock_behind_or_unreadable_when_read_then_time_never_goes_back() -> None:
    base, other = ManualClock(START), OtherClock(START + timedelta(minutes=10))
    clock = FollowingClock(other.read, base, refresh_seconds=1)
    assert clock.now() == START + timedelta(minutes=10)
    other.now = START
    base.advance(1)
    assert clock.now() == START + timedelta(minutes=10, seconds=1)
    other.broken = True
    base.advance(1)
    assert clock.now() == START + timedelta(minutes=10, seconds=2)
    assert clock.monotonic() == base.monotonic()
