from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.core.clock import ManualClock, SystemClock, ensure_utc


def test_given_the_system_clock_when_asked_then_now_is_aware_utc() -> None:
    now = SystemClock().now()

    assert now.tzinfo is UTC


def test_given_a_manual_clock_when_advanced_then_now_and_monotonic_move_together() -> None:
    clock = ManualClock(datetime(2026, 3, 1, 12, tzinfo=UTC))

    clock.advance(timedelta(minutes=5))
    clock.advance(1.5)

    assert clock.now() == datetime(2026, 3, 1, 12, 5, 1, 500000, tzinfo=UTC)
    assert clock.monotonic() == pytest.approx(301.5)


def test_given_a_manual_clock_when_moved_backwards_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="never goes backwards"):
        ManualClock().advance(-1)


def test_given_a_naive_start_when_building_a_manual_clock_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001


@given(st.datetimes(timezones=st.timezones()))
def test_given_any_aware_time_when_made_utc_then_the_instant_is_unchanged(moment: datetime) -> None:
    converted = ensure_utc(moment)

    offset = moment.utcoffset()
    assert offset is not None
    assert converted.tzinfo is UTC
    # Compared by wall clock minus offset: PEP 495 makes times in a DST gap unequal across zones.
    assert converted.replace(tzinfo=None) == moment.replace(tzinfo=None) - offset


def test_given_a_naive_time_when_made_utc_then_it_is_taken_as_utc() -> None:
    naive = datetime(2026, 5, 1, 8, 0)  # noqa: DTZ001

    assert ensure_utc(naive) == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert ensure_utc(datetime(2026, 5, 1, 10, tzinfo=timezone(timedelta(hours=2)))).hour == 8
