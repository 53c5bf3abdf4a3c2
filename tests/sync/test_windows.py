"""Window slicing with look-back: no gap ever, windows merge (Hypothesis for the maths)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.sync.engine.windows import Window, merge, plan, watermark

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

minutes = st.integers(min_value=0, max_value=10_000)
windows = st.lists(
    st.tuples(minutes, st.integers(min_value=0, max_value=600)).map(
        lambda pair: Window(ORIGIN + pair[0] * MINUTE, ORIGIN + (pair[0] + pair[1]) * MINUTE)
    ),
    max_size=12,
)


def covered(intervals: list[Window], moment: datetime) -> bool:
    return any(window.start <= moment < window.end for window in intervals)


@given(windows)
def test_given_any_windows_when_merged_then_sorted_disjoint_and_covering_the_same_instants(
    finished: list[Window],
) -> None:
    merged = merge(finished)

    assert merged == sorted(merged)
    assert all(a.end < b.start for a, b in itertools.pairwise(merged))
    for window in finished:
        for moment in (window.start, window.end - MINUTE / 60):
            if window.end > window.start:
                assert covered(merged, moment)
    for window in merged:
        assert covered(finished, window.start)


@given(windows, windows)
def test_given_windows_when_merged_in_any_grouping_then_the_result_is_the_same(
    first: list[Window], second: list[Window]
) -> None:
    assert merge([*merge(first), *second]) == merge([*first, *second]) == merge([*second, *first])


@given(
    windows,
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=1, max_value=2_000),
)
def test_given_a_cursor_state_when_planning_then_no_instant_up_to_now_is_left_unread(
    finished: list[Window], now_minutes: int, lookback_minutes: int, size_minutes: int
) -> None:
    now = ORIGIN + now_minutes * MINUTE
    lookback, size = lookback_minutes * MINUTE, size_minutes * MINUTE

    planned = plan(finished, origin=ORIGIN, now=now, lookback=lookback, size=size)

    # Contiguous, never longer than the size, ending at now.
    assert all(a.end == b.start for a, b in itertools.pairwise(planned))
    assert all(timedelta(0) < window.length <= size for window in planned)
    if planned:
        assert planned[-1].end == now
        reached = watermark(finished, ORIGIN)
        assert planned[0].start == max(ORIGIN, reached - lookback)
    # No gap: what was finished (from the origin without a gap) plus what is planned covers
    # [origin, now), and after committing the plan the cursor is one window.
    done = merge([*finished, *planned])
    if now > ORIGIN:
        assert done[0].start <= ORIGIN
        assert watermark(done, ORIGIN) >= now


@given(
    st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=1, max_value=240),
)
def test_given_runs_at_increasing_times_when_each_commits_its_plan_then_the_cursor_never_gaps(
    steps: list[int], lookback_minutes: int, size_minutes: int
) -> None:
    finished: list[Window] = []
    now = ORIGIN
    for step in steps:
        now += step * MINUTE
        planned = plan(
            finished,
            origin=ORIGIN,
            now=now,
            lookback=lookback_minutes * MINUTE,
            size=size_minutes * MINUTE,
        )
        # Commit only the first half, as a run that was killed half-way would.
        for window in planned[: max(1, len(planned) // 2)]:
            finished = merge([*finished, window])
        assert len(finished) == 1
        assert finished[0].start == ORIGIN


def test_given_a_gap_in_the_finished_windows_when_planning_then_reading_restarts_at_the_gap() -> (
    None
):
    finished = [
        Window(ORIGIN, ORIGIN + 10 * MINUTE),
        Window(ORIGIN + 20 * MINUTE, ORIGIN + 30 * MINUTE),
    ]

    planned = plan(
        finished, origin=ORIGIN, now=ORIGIN + 40 * MINUTE, lookback=2 * MINUTE, size=15 * MINUTE
    )

    assert planned == [
        Window(ORIGIN + 8 * MINUTE, ORIGIN + 23 * MINUTE),
        Window(ORIGIN + 23 * MINUTE, ORIGIN + 38 * MINUTE),
        Window(ORIGIN + 38 * MINUTE, ORIGIN + 40 * MINUTE),
    ]


def test_given_a_look_back_longer_than_the_history_when_planning_then_it_stops_at_the_origin() -> (
    None
):
    planned = plan(
        [Window(ORIGIN, ORIGIN + MINUTE)],
        origin=ORIGIN,
        now=ORIGIN + 2 * MINUTE,
        lookback=timedelta(days=1),
        size=timedelta(hours=1),
    )

    assert planned == [Window(ORIGIN, ORIGIN + 2 * MINUTE)]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (ORIGIN + MINUTE, ORIGIN, "before it starts"),
        (ORIGIN.replace(tzinfo=None), ORIGIN, "aware"),
    ],
)
def test_given_a_bad_window_when_built_then_it_is_refused(
    start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Window(start, end)


@pytest.mark.parametrize(("lookback", "size"), [(-MINUTE, MINUTE), (MINUTE, timedelta(0))])
def test_given_a_negative_look_back_or_an_empty_size_when_planning_then_it_is_refused(
    lookback: timedelta, size: timedelta
) -> None:
    with pytest.raises(ValueError, match=r"look-back|size"):
        plan([], origin=ORIGIN, now=ORIGIN + MINUTE, lookback=lookback, size=size)
