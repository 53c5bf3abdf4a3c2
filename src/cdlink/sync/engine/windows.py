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


def span(
    finished: Iterable[Window], *, origin: datetime, now: datetime, lookback: timedelta
) -> Window | None:
    """Everything the next run reads, whole: ``plan``'s windows joined (None when nothing)."""
    if lookback < timedelta(0):
        raise ValueError("the look-back cannot be negative")
    start = max(origin, watermark(finished, origin) - lookback)
    return Window(start, now) if start < now else None


class WindowTooFull(Exception):  # noqa: N818  (a signal between a reader and its importer)
    """The window holds more records than one read should: cut it to ``count``'s share."""

    def __init__(self, window: Window, count: int) -> None:
        super().__init__(f"{count} records in {window.start}..{window.end}")
        self.window = window
        self.count = count


@dataclass(frozen=True)
class Expectation:
    """What an importer expects of the window it asks a reader for.

    ``records`` is the estimate from the density of the windows read before (None on a run's
    first window); ``limit`` the most records one read should hold: a reader that can count the
    window first raises ``WindowTooFull`` above it, and the importer asks for a shorter window
    (None: read it whatever it holds).
    """

    records: float | None
    limit: int | None
    #: The window ends at the run's "now": nothing after it has been read yet, so a reader may
    #: read it with no upper bound (``cdlink.sync.engine.window_reads``, newest first).
    open_ended: bool = False


@dataclass(frozen=True)
class WindowPolicy:
    """How long an importer's windows are: they grow while sparse and shrink when full.

    Each window aims at ``target`` records (whole pages of a whole-window read, few enough to hold
    in memory and commit as one step): the next window's length is the last one's scaled by
    ``target`` ÷ the records it held, growing at most ``growth`` times at once (a sparse stretch
    may precede a dense one) and kept within ``minimum``..``maximum``. A run's first window is
    ``initial`` long. A window that turns out to hold more than ``limit`` records (a reader that
    counts first says so before reading it) is cut to its share and asked again. Windows stay
    contiguous and each still commits with its data, so the cursor's guarantees do not change.
    """

    initial: timedelta
    maximum: timedelta
    minimum: timedelta = timedelta(seconds=1)
    target: int = 2000
    growth: float = 8.0

    def __post_init__(self) -> None:
        if not timedelta(0) < self.minimum <= self.initial <= self.maximum:
            raise ValueError("a window policy needs 0 < minimum <= initial <= maximum")
        if self.target < 1:
            raise ValueError("a window policy needs a target of 1 or more")
        if self.minimum < self.maximum and self.growth < 2:
            # Windows that could not grow would stay as short as the densest burst made them.
            raise ValueError("an adaptive window policy needs a growth of 2 or more")

    @classmethod
    def fixed(cls, size: timedelta) -> WindowPolicy:
        """Windows of ``size`` whatever they hold (the policy before windows adapted)."""
        return cls(initial=size, maximum=size, minimum=size, growth=1.0)

    @property
    def limit(self) -> int:
        """Above this many records a counted window is cut (two and a half targets)."""
        return self.target * 5 // 2

    @property
    def adaptive(self) -> bool:
        return self.minimum < self.maximum

    def next_size(self, window: Window, records: int) -> timedelta:
        """The length of the window after ``window``, which held ``records``."""
        if not self.adaptive:
            return self.initial
        length = window.length
        if records <= 0:
            wanted = length * self.growth
        else:
            wanted = min(length * (self.target / records), length * self.growth)
        return self.clamp(wanted)

    def cut(self, window: Window, count: int) -> timedelta:
        """The length to ask for instead of ``window``, counted at ``count`` records."""
        share = window.length * (self.target / max(count, 1))
        return min(self.clamp(share), max(window.length / 2, self.minimum))

    def expect(self, window: Window, density: float | None) -> Expectation:
        """What ``window`` should hold, at ``density`` records per second; no limit on a window
        that cannot be cut shorter."""
        records = None if density is None else density * window.length.total_seconds()
        limit = self.limit if self.adaptive and window.length > self.minimum else None
        return Expectation(records=records, limit=limit)

    def clamp(self, size: timedelta) -> timedelta:
        return max(self.minimum, min(self.maximum, size))
