"""The scheduler: finds the streams that are due and queues each one at most once.

A stream of a connection is due when someone asked for it ("sync now"), an event asked for it
(a new outbox entry), it has outbox entries due (retries, or entries a dead worker had claimed),
or its interval has passed since the last run (with jitter, set by the runner). Events and due
entries wait while the stream waits to retry after a failure; "sync now" does not. It is not queued
again while a message for it waits (the ``queued_at`` marker is the
job's identity key; it expires after ``sync_queue_timeout_seconds`` in case the message was lost)
nor while a run holds its lease. Streams of connections that are not active are skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    String,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest
from cdlink.store.models import Connection, OutboxEntry, StreamLease, StreamSchedule
from cdlink.sync.engine import outbox, runs, schedules

PRUNE_EVERY = timedelta(hours=1)


class Scheduler:
    """Turns schedules into job requests; ``tick`` is called every ``sync_tick_seconds``."""

    def __init__(self, environment: JobEnvironment, *, batch: int = 500) -> None:
        self.environment = environment
        self.batch = batch
        self.pruned_at: datetime | None = None

    def tick(self) -> list[JobRequest]:
        """Mark the due streams as queued and return them, for the runtime to send."""
        self.prune_if_due()
        with self.environment.database.session() as session:
            self.ensure_schedules(session)
            rows = list(session.scalars(self._due_query()))
            now = self.environment.clock.now()
            for row in rows:
                row.queued_at = now
            return [
                JobRequest(row.connection_id, row.stream, row.requested_trigger or "schedule")
                for row in rows
            ]

    def unqueue(self, requests: list[JobRequest]) -> None:
        """Take the queue marker off requests that could not be sent, so the next tick retries."""
        with self.environment.database.session() as session:
            for request in requests:
                row = session.get(StreamSchedule, (request.connection_id, request.stream))
                if row is not None:
                    row.queued_at = None

    def prune_if_due(self) -> int:
        """Once an hour, delete old successful runs and old sent outbox entries; how many went.

        Runs go after ``sync_run_retention_days``, outbox entries done or superseded after
        ``sync_outbox_retention_days``.
        """
        now = self.environment.clock.now()
        if self.pruned_at is not None and now - self.pruned_at < PRUNE_EVERY:
            return 0
        self.pruned_at = now
        settings = self.environment.settings
        with self.environment.database.session() as session:
            pruned = runs.prune(session, now - timedelta(days=settings.sync_run_retention_days))
            return pruned + outbox.prune(
                session, now - timedelta(days=settings.sync_outbox_retention_days)
            )

    def forget_queued(self) -> int:
        """Clear every queue marker: for a runtime whose queue died with its process."""
        with self.environment.database.session() as session:
            result = session.execute(
                update(StreamSchedule)
                .where(StreamSchedule.queued_at.is_not(None))
                .values(queued_at=None)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def ensure_schedules(self, session: Session) -> None:
        """Give every active connection a schedule row for every registered stream, and keep
        rows that follow the stream's default interval in step with it.

        Two queries read only the rows to create and the rows to bring back to their default,
        so a tick with a thousand connections does not load their thousands of schedules.
        """
        registry = self.environment.registry
        continuous = self.environment.settings.sync_continuous_seconds
        defaults = {
            name: schedules.normalize_interval(
                registry.stream_class(name).default_interval, continuous
            )
            for name in registry.names()
        }
        if not defaults:
            return
        now = self.environment.clock.now()
        active = Connection.state == "active"
        names = union_all(
            *(select(literal(name, String()).label("stream")) for name in defaults)
        ).subquery("names")
        has_row = exists().where(
            StreamSchedule.connection_id == Connection.id, StreamSchedule.stream == names.c.stream
        )
        missing = (
            select(Connection.id, names.c.stream)
            .select_from(Connection)
            .join(names, true())  # every stream of every active connection
            .where(active, ~has_row)
        )
        for connection_id, name in session.execute(missing).all():
            row = schedules.schedule_for(session, connection_id, name)
            schedules.update_interval(row, defaults[name], now)
        # NULL ("only on events") compared as -1, which no interval is.
        expected = case(
            {name: -1 if seconds is None else seconds for name, seconds in defaults.items()},
            value=StreamSchedule.stream,
        )
        stale = (
            select(StreamSchedule)
            .join(Connection, Connection.id == StreamSchedule.connection_id)
            .where(
                active,
                StreamSchedule.stream.in_(list(defaults)),
                StreamSchedule.interval_source == schedules.DEFAULT,
                func.coalesce(StreamSchedule.interval_seconds, -1) != expected,
            )
        )
        for row in session.scalars(stale):
            schedules.update_interval(row, defaults[row.stream], now)

    @staticmethod
    def _outbox_due(now: datetime) -> Exists:
        """The stream has outbox entries due: new, retried, or claimed by a run that is over.

        The due query only asks this of streams no run holds the lease of, so a claimed entry
        there belongs to a run that died or failed; the next run takes it back
        (``outbox.recover``) rather than waiting for the claim to expire.
        """
        return exists().where(
            OutboxEntry.connection_id == StreamSchedule.connection_id,
            OutboxEntry.stream == StreamSchedule.stream,
            or_(
                (OutboxEntry.state == outbox.PENDING) & (OutboxEntry.available_at <= now),
                OutboxEntry.state == outbox.CLAIMED,
            ),
        )

    @staticmethod
    def _waiting_to_retry(now: datetime) -> ColumnElement[bool]:
        """The last run failed and its retry time (the failure policy's backoff) is ahead.

        Events (a new outbox entry) and due entries wait for it; a person's "sync now" does not.
        Otherwise a stream that fails on every call would run again at every stock change, and
        reach the dead state in minutes instead of following its schedule of hours.
        """
        return (
            (func.coalesce(StreamSchedule.last_outcome, "") == runs.FAILED)
            & StreamSchedule.next_run_at.is_not(None)
            & (StreamSchedule.next_run_at > now)
        )

    def _due_query(self) -> Select[StreamSchedule]:
        now = self.environment.clock.now()
        stale = now - timedelta(seconds=self.environment.settings.sync_queue_timeout_seconds)
        leased = exists().where(
            StreamLease.connection_id == StreamSchedule.connection_id,
            StreamLease.stream == StreamSchedule.stream,
            StreamLease.expires_at >= now,
        )
        return (
            select(StreamSchedule)
            .join(Connection, Connection.id == StreamSchedule.connection_id)
            .where(
                Connection.state == "active",
                StreamSchedule.enabled.is_(True),
                StreamSchedule.state == schedules.ACTIVE,
                StreamSchedule.stream.in_(self.environment.registry.names()),
                or_(
                    StreamSchedule.requested_trigger == "manual",
                    StreamSchedule.next_run_at <= now,
                    ~self._waiting_to_retry(now)
                    & (StreamSchedule.requested_at.is_not(None) | self._outbox_due(now)),
                ),
                or_(StreamSchedule.queued_at.is_(None), StreamSchedule.queued_at < stale),
                ~leased,
            )
            .order_by(StreamSchedule.requested_at.is_(None), StreamSchedule.next_run_at)
            .limit(self.batch)
            .with_for_update(skip_locked=True, of=StreamSchedule)
        )
