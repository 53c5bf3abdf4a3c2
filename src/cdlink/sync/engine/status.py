"""What the sync engine is doing, for people: one line per connection and stream.

Used by ``cdlink sync status``, the Queue page and ``GET /api/v1/streams``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.store.models import Connection, StreamLease, StreamSchedule, SyncRun


@dataclass(frozen=True)
class StreamStatus:
    connection_id: int
    connection_name: str
    connection_state: str
    stream: str
    interval_seconds: int | None
    state: str
    failures: int
    next_run_at: datetime | None
    requested: bool
    running_on: str | None
    last_outcome: str | None
    last_message: str | None
    # The last run's times and, when it failed, its error class and failure type (who can fix
    # it: configuration, transient, system) and when it is tried again.
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_error_class: str | None = None
    last_failure_type: str | None = None
    retry_at: datetime | None = None
    interval_source: str = "default"

    @property
    def key(self) -> str:
        """The stream's id in the API and the pages: ``<connection id>-<stream>``."""
        return f"{self.connection_id}-{self.stream}"


def stream_statuses(
    session: Session, now: datetime, connection_id: int | None = None
) -> list[StreamStatus]:
    """One line per scheduled stream, ordered by connection and stream."""
    query = (
        select(StreamSchedule, Connection)
        .join(Connection, Connection.id == StreamSchedule.connection_id)
        .order_by(StreamSchedule.connection_id, StreamSchedule.stream)
    )
    if connection_id is not None:
        query = query.where(StreamSchedule.connection_id == connection_id)
    leases = {
        (lease.connection_id, lease.stream): lease.holder
        for lease in session.scalars(select(StreamLease).where(StreamLease.expires_at >= now))
    }
    return [
        _status(session, schedule, connection, leases.get((connection.id, schedule.stream)))
        for schedule, connection in session.execute(query)
    ]


def _status(
    session: Session, schedule: StreamSchedule, connection: Connection, holder: str | None
) -> StreamStatus:
    last = session.get(SyncRun, schedule.last_run_id) if schedule.last_run_id else None
    return StreamStatus(
        connection_id=connection.id,
        connection_name=connection.name,
        connection_state=connection.state,
        stream=schedule.stream,
        interval_seconds=schedule.interval_seconds,
        state=schedule.state,
        failures=schedule.failures,
        next_run_at=schedule.next_run_at,
        requested=schedule.requested_at is not None,
        running_on=holder,
        last_outcome=last.outcome if last else None,
        last_message=last.message if last else None,
        last_started_at=last.started_at if last else None,
        last_finished_at=last.finished_at if last else None,
        last_error_class=last.error_class if last else None,
        last_failure_type=last.failure_type if last else None,
        retry_at=last.retry_at if last else None,
        interval_source=schedule.interval_source,
    )
