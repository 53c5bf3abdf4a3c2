"""Time windows: the pure maths behind cursors that cannot skip data.

A cursor's state is the list of windows that were read *and committed*, merged. The next run
plans windows from the end of the first contiguous stretch (the watermark), minus a look-back so
late changes are re-read, up to "now", cut into windows no longer than a maximum size. Because a
window only joins the state in the transaction that commits its data, and planning always starts
at the first gap, no instant between the origin and "now" can be skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Window:
    """The half-open interval ``[start, end)`` of modification times."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a window needs aware datetimes")
        if self.end < self.start:
            raise ValueError(f"a window cannot end ({self.end}) before it starts ({self.start})")

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sort ``windows`` and join those that overlap or touch; empty windows vanish."""
    merged: list[Window] = []
    for window in sorted(w for w in windows if w.end > w.start):
        if merged and window.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Window(last.start, max(last.end, window.end))
        else:
            merged.append(window)
    return merged


def watermark(finished: Iterable[Window], origin: datetime) -> datetime:
    """The end of the stretch read without a gap from ``origin`` (``origin`` if none)."""
    reached = origin
    for window in merge(finished):
        if window.start > reached:
            break
        reached = max(reached, window.end)
    return reached


def plan(
    finished: Iterable[Window],
    *,
    origin: datetime,
    now: datetime,
    lookback: timedelta,
    size: timedelta,
) -> list[Window]:
    """The windows to read next, in order: from the watermark minus ``lookback`` to ``now``.

    Windows are contiguous and none is longer than ``size``. The start never goes before
    ``origin``. Nothing is planned when ``now`` is not after the start.
    """
    if size <= timedelta(0):
        raise ValueError("the window size must be positive")
    if lookback < timedelta(0):
        raise ValueError("the look-back cannot be negative")
    start = max(origin, watermark(finished, origin) - lookback)
    windows: list[Window] = []
    while start < now:
        end = min(start + size, now)
        windows.append(Window(start, end))
        start = end
    return windows
