"""Cutting a window in two for a whole-window read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cdlink.sync.engine.window_reads import halves
from cdlink.sync.engine.windows import Window

START = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=UTC)


def test_given_a_long_window_when_halved_then_it_is_cut_on_a_whole_second() -> None:
    first, second = halves(Window(START, START + timedelta(seconds=7)))

    assert first == Window(START, datetime(2026, 3, 2, 9, 0, 3, tzinfo=UTC))
    assert second == Window(first.end, START + timedelta(seconds=7))


def test_given_a_window_of_two_seconds_or_less_when_halved_then_it_is_cut_in_its_middle() -> None:
    first, second = halves(Window(START, START + timedelta(seconds=1)))

    assert first.end == second.start == START + timedelta(milliseconds=500)
    assert second.end == START + timedelta(seconds=1)
