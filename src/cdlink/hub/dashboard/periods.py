"""The periods the dashboard compares: today, the last 7, 30 or 90 days, the last year, a range.

A period runs from a midnight in the seller's time zone to ``now`` (or, for a custom range, to
the midnight after its last day); the period it is compared with is the one just before, of the
same length in days, cut at the same time of day ("today until 10:15" against "yesterday until
10:15"). Bounds are aware UTC times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PeriodName = Literal["today", "7d", "30d", "90d", "year", "custom"]
PERIODS: tuple[PeriodName, ...] = ("today", "7d", "30d", "90d", "year", "custom")
DAYS: dict[str, int] = {"today": 1, "7d": 7, "30d": 30, "90d": 90, "year": 365}
DEFAULT_PERIOD: PeriodName = "30d"
# The longest custom range: two years, so the comparison stays within four.
LONGEST_RANGE = 731
# Up to this many days the sales trend has a point per hour, beyond it a point per day.
HOURLY_UP_TO = 2


class InvalidPeriod(ValueError):  # noqa: N818  (reads as what the user gave)
    """A period the dashboard cannot show: unknown, or a custom range missing, reversed or too
    long. ``field`` names the parameter at fault (the web layer answers 422 naming it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    name: PeriodName
    start: datetime
    end: datetime
    days: int
    zone: ZoneInfo

    @property
    def previous(self) -> Period:
        """The period just before, as long in days and cut at the same time of day."""
        shift = timedelta(days=self.days)
        start = _local_shift(self.start, -shift, self.zone)
        end = _local_shift(self.end, -shift, self.zone)
        return Period(self.name, start, end, self.days, self.zone)

    @property
    def hourly(self) -> bool:
        return self.days <= HOURLY_UP_TO

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The last day the period touches (its end is exclusive)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()


def _local_shift(moment: datetime, shift: timedelta, zone: ZoneInfo) -> datetime:
    """``moment`` moved by whole days on the seller's wall clock (a summer-time change keeps
    midnight at midnight)."""
    local = moment.astimezone(zone).replace(tzinfo=None) + shift
    return local.replace(tzinfo=zone).astimezone(moment.tzinfo)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def resolve(
    name: str,
    now: datetime,
    zone: ZoneInfo,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period ``name`` at ``now``; ``custom`` needs ``first`` and ``last`` (days, inclusive)."""
    if name not in PERIODS:
        raise InvalidPeriod("period", f"unknown period {name!r}; allowed: {', '.join(PERIODS)}")
    if name != "custom":
        if first is not None or last is not None:
            raise InvalidPeriod("from", "from and to are only for period=custom")
        days = DAYS[name]
        today = now.astimezone(zone).date()
        start = midnight(today - timedelta(days=days - 1), zone)
        return Period(name, start, now, days, zone)
    if first is None:
        raise InvalidPeriod("from", "a custom range needs its first day (from)")
    if last is None:
        raise InvalidPeriod("to", "a custom range needs its last day (to)")
    if last < first:
        raise InvalidPeriod("to", "the last day (to) is before the first day (from)")
    days = (last - first).days + 1
    if days > LONGEST_RANGE:
        raise InvalidPeriod("to", f"a custom range is at most {LONGEST_RANGE} days long")
    return Period(
        "custom", midnight(first, zone), midnight(last + timedelta(days=1), zone), days, zone
    )
