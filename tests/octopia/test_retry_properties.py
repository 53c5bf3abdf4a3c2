"""Backoff bounds, as properties: never negative, never above the cap, Retry-After honoured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from cdlink.octopia import RetryPolicy
from cdlink.octopia.retry import retry_after_seconds

attempts = st.integers(min_value=0, max_value=200)
unit = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
delays = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


def policy(initial: float, cap: float, draw: float) -> RetryPolicy:
    return RetryPolicy(initial_delay=initial, max_delay=cap, uniform=lambda: draw)


@given(attempts, unit, delays, delays)
def test_given_any_attempt_when_backing_off_then_between_zero_and_the_cap(
    attempt: int, draw: float, initial: float, cap: float
) -> None:
    wait = policy(initial, cap, draw).backoff(attempt)
    assert 0.0 <= wait <= cap
    assert wait <= initial * 2.0**attempt


@given(attempts, unit, delays, delays, st.floats(min_value=0.0, max_value=120.0))
def test_given_a_retry_after_when_delaying_then_it_is_a_floor_or_the_call_gives_up(
    attempt: int, draw: float, initial: float, cap: float, retry_after: float
) -> None:
    wait = policy(initial, cap, draw).delay(attempt, retry_after)
    if retry_after > cap:
        assert wait is None
    else:
        assert wait is not None
        assert retry_after <= wait <= cap


@given(st.integers(min_value=0, max_value=10), delays)
def test_given_the_top_of_the_jitter_when_backing_off_then_the_ceiling_doubles_until_the_cap(
    attempt: int, cap: float
) -> None:
    wait = policy(0.5, cap, 1.0).backoff(attempt)
    assert wait == min(cap, 0.5 * 2**attempt)


@given(st.integers(min_value=-3600, max_value=3600))
def test_given_an_http_date_when_reading_retry_after_then_seconds_from_now_never_negative(
    offset: int,
) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=offset), usegmt=True)
    assert retry_after_seconds({"retry-after": header}, now) == max(0, offset)


@given(st.integers(min_value=-10, max_value=10**6))
def test_given_delay_seconds_when_reading_retry_after_then_never_negative(seconds: int) -> None:
    assert retry_after_seconds({"retry-after": str(seconds)}) == max(0, seconds)


def test_given_garbage_or_no_now_when_reading_retry_after_then_none() -> None:
    assert retry_after_seconds({"retry-after": "soon"}, datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert retry_after_seconds({"retry-after": "Mon, 02 Mar 2026 09:00:30 GMT"}) is None
    assert retry_after_seconds({}) is None
