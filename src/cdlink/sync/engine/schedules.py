"""Stream schedules: when each stream of each connection runs, and its run-by-run health.

One ``stream_schedules`` row per (connection, stream) holds the interval, the next due time, a
pending request ("sync now" or an event), the queue marker that stops the same job from being
queued twice, and the count of failures in a row that leads to the dead state. Creating the row and
asking for a run (``schedule_for``, ``request_run``) live in ``cdlink.store.schedules``, shared
with the back office, and are re-exported here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cdlink.store.models import StreamSchedule
from cdlink.store.schedules import ACTIVE, DEAD, request_run, schedule_for
from cdlink.sync.engine.errors import SyncError
from cdlink.sync.engine.runs import FAILED

__all__ = [
    "ACTIVE",
    "CUSTOM",
    "DEAD",
    "DEFAULT",
    "INTERVAL_CHOICES",
    "next_due",
    "normalize_interval",
    "request_run",
    "retry_dead",
    "schedule_for",
    "set_interval",
    "update_interval",
]

DEFAULT, CUSTOM = "default", "custom"

# The intervals the UI offers (the reference module offers 5, 15 or 60 minutes); "continuous"
# is cdlink's near-continuous polling, the default for orders, and "events" runs only on demand.
INTERVAL_CHOICES: dict[str, int | None] = {
    "continuous": 10,
    "5m": 300,
    "15m": 900,
    "60m": 3600,
    "events": None,
}


def retry_dead(session: Session, connection_id: int, stream: str, *, now: datetime) -> None:
    """A person's manual retry: bring a dead stream back and run it now."""
    row = schedule_for(session, connection_id, stream)
    row.state = ACTIVE
    row.failures = 0
    row.requested_at = now
    row.requested_trigger = "manual"


def set_interval(
    session: Session,
    connection_id: int,
    stream: str,
    choice: str,
    *,
    continuous: int,
    now: datetime,
) -> None:
    """Set how often the stream runs, from ``INTERVAL_CHOICES`` (or back to its "default")."""
    if choice != "default" and choice not in INTERVAL_CHOICES:
        raise SyncError(
            f"unknown interval {choice!r}",
            hint=f"Choose one of: {', '.join(INTERVAL_CHOICES)}, or default.",
        )
    row = schedule_for(session, connection_id, stream)
    if choice == "default":
        row.interval_source = DEFAULT  # the scheduler puts the stream's default back
        return
    row.interval_source = CUSTOM
    if choice == "continuous":
        update_interval(row, continuous, now, at_once=True)
    else:
        update_interval(row, INTERVAL_CHOICES[choice], now)


def update_interval(
    row: StreamSchedule, seconds: int | None, now: datetime, *, at_once: bool = False
) -> None:
    """Change the interval, effective at once.

    A stream that had none (or ``at_once``: "continuous" was chosen) becomes due now. A shorter
    interval brings the next run forward to the last run plus the new interval (the last run is
    the next due time less the old interval), never later than it was; a longer one leaves the
    next run where it is. A stream waiting to retry after a failure keeps its backoff.
    """
    row.next_run_at = _next_run(row, seconds, now, at_once=at_once)
    row.interval_seconds = seconds


def _next_run(
    row: StreamSchedule, seconds: int | None, now: datetime, *, at_once: bool
) -> datetime | None:
    current, old = row.next_run_at, row.interval_seconds
    if seconds is None:
        return current
    if old is None or current is None:
        return now
    if row.last_outcome == FAILED:
        return current  # the failure policy's backoff stands
    if at_once:
        return min(current, now)
    if seconds < old:
        last_run = current - timedelta(seconds=old)
        return min(current, last_run + timedelta(seconds=seconds))
    return current


def normalize_interval(default: int | None, continuous: int) -> int | None:
    """A stream's default interval, where anything at or under "continuous" means continuous:
    the near-continuous streams (orders, discussions: ``INTERVAL_CHOICES["continuous"]`` by
    default) follow ``CDLINK_SYNC_CONTINUOUS_SECONDS`` down as well as up."""
    limit = max(continuous, INTERVAL_CHOICES["continuous"] or 0)
    if default is not None and default <= limit:
        return continuous
    return default


#: The least rest between two runs of a stream, as a fraction of its interval: a run that took
#: longer than its interval is not followed at once by the next (``next_due``).
LEAST_REST = 0.2


def next_due(
    interval: int | None, now: datetime, jitter: float, *, started: datetime | None = None
) -> datetime | None:
    """When an interval stream is due again; ``jitter`` is a fraction in [0, 1).

    Counted from ``started``, the start of the run that just ended, when given: a stream polled
    every 10 s reads the marketplace every 10 s, not every 10 s plus however long its runs take
    (what a change waits to be read). A run longer than its interval is followed after
    ``LEAST_REST`` of it, so one stream cannot hold a worker without a pause."""
    if interval is None:
        return None
    period = timedelta(seconds=interval * (1 + jitter))
    if started is None:
        return now + period
    return max(started + period, now + timedelta(seconds=interval * LEAST_REST))
