"""The stream runner: one run of one stream of one connection, start to finish.

``StreamRunner.run`` is what every job calls, whatever runtime calls it: check the connection
and the stream may run → take the stream's lease → record the run → let the stream work (the
lease is renewed while it does) → record the outcome and decide, from the failure policy table,
when the stream runs next, whether it is now dead, or whether the connection needs
re-authentication → give the lease back.

A run interrupted by the shutdown (the runner's ``stopping`` event; any error raised while it is
set, ``RunStopped`` from a step boundary or a marketplace wait cut short) is not a failure: it is
recorded as a failed run with nothing counted against the stream, and the stream is asked for
again, so the next start resumes it from what was committed.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.hub.connections.accounts import ACTIVE
from cdlink.octopia import RateLimited
from cdlink.store.engine import Database
from cdlink.store.models import Connection, StreamSchedule, SyncRun
from cdlink.sync.engine import connections, leases, runs, schedules
from cdlink.sync.engine.errors import LeaseLost, RunStopped, StreamBusy, UnknownConnection
from cdlink.sync.engine.failures import (
    DEFAULT_POLICY,
    RATE_LIMITED_SCHEDULE,
    FailureAction,
    FailurePolicy,
    FailureResolution,
)
from cdlink.sync.engine.streams import (
    ClientFactory,
    Stream,
    StreamContext,
    StreamRegistry,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunReport:
    """How a call to ``StreamRunner.run`` ended: "succeeded", "failed", "dead", or it did not
    start: "busy" (running elsewhere), "paused" (connection not active), "dead" (needs a retry).
    """

    outcome: str
    run_id: int | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    message: str | None = None


@dataclass
class RunnerOptions:
    lease_duration: timedelta = timedelta(seconds=60)
    max_failures: int = 8
    jitter_fraction: float = 0.1
    continuous_interval: int = 10


class StreamRunner:
    """Runs streams; the same object serves the embedded and the distributed runtime."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        registry: StreamRegistry,
        policy: FailurePolicy = DEFAULT_POLICY,
        options: RunnerOptions | None = None,
        randomness: random.Random | None = None,
        clients: ClientFactory | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.database = database
        #: Set by the runtime at shutdown; shared with every run's context.
        self.stopping = stopping or threading.Event()
        self.clients = clients
        self.clock = clock
        self.registry = registry
        self.policy = policy
        self.options = options or RunnerOptions()
        self.random = randomness or random.Random()  # noqa: S311  (jitter, not secrecy)

    def run(self, connection_id: int, stream: str, *, trigger: str = "schedule") -> RunReport:
        """Run ``stream`` of ``connection_id`` once, unless it may not run now."""
        instance = self.registry.create(stream)
        blocked = self._blocked(connection_id, stream, trigger)
        if blocked is not None:
            return blocked
        try:
            lease = leases.acquire(
                self.database,
                connection_id,
                stream,
                clock=self.clock,
                duration=self.options.lease_duration,
            )
        except StreamBusy as busy:
            self._unqueue(connection_id, stream)
            return RunReport("busy", message=str(busy))
        try:
            context = self._start(lease, trigger)
            try:
                return self._work(instance, context)
            finally:
                context.close()
        finally:
            leases.release(self.database, lease)

    def _work(self, instance: Stream, context: StreamContext) -> RunReport:
        with _LeaseKeeper(self.database, lease=context.lease):
            try:
                instance.run(context)
            except Exception as error:
                if self.stopping.is_set():
                    return self._stopped(context, error)
                return self._failed(context, error)
        return self._succeeded(context)

    def _stopped(self, context: StreamContext, error: Exception) -> RunReport:
        """The shutdown interrupted the run: record it, ask for the stream again, count nothing."""
        stopped = error if isinstance(error, RunStopped) else RunStopped(str(error))
        resolution = self.policy.resolve(stopped)
        now = self.clock.now()
        log.info(
            "stream %s of connection %s stopped for the shutdown",
            context.stream,
            context.connection_id,
        )
        with self.database.session() as session:
            run = session.get_one(SyncRun, context.run_id)
            runs.fail(run, stopped, resolution, counts=context.counts, now=now, retry_at=now)
            schedule = schedules.schedule_for(session, context.connection_id, context.stream)
            if schedule.requested_at is None:
                schedule.requested_at = now
                schedule.requested_trigger = run.trigger
            return RunReport(run.outcome, run.id, dict(context.counts), run.message)

    def _blocked(self, connection_id: int, stream: str, trigger: str) -> RunReport | None:
        with self.database.reading() as session:
            connection = session.get(Connection, connection_id)
            if connection is None:
                raise UnknownConnection(f"no connection with id {connection_id}")
            if connection.state != ACTIVE:
                return RunReport("paused", message=connection.state_reason or connection.state)
            schedule = session.get(StreamSchedule, (connection_id, stream))
            if schedule is not None and schedule.state == schedules.DEAD and trigger != "manual":
                return RunReport("dead", message="the stream is dead until someone retries it")
        return None

    def _unqueue(self, connection_id: int, stream: str) -> None:
        with self.database.session() as session:
            schedules.schedule_for(session, connection_id, stream).queued_at = None

    def _start(self, lease: leases.Lease, trigger: str) -> StreamContext:
        now = self.clock.now()
        default = self._default_interval(lease.stream)
        with self.database.session() as session:
            lease.fence(session)
            schedule = schedules.schedule_for(
                session, lease.connection_id, lease.stream, default_interval=default
            )
            self._abandon_stale_runs(session, lease)
            trigger = schedule.requested_trigger or trigger
            schedule.requested_at = schedule.requested_trigger = schedule.queued_at = None
            if trigger == "manual":
                schedule.state = schedules.ACTIVE
            run = runs.start_run(
                session,
                lease.connection_id,
                lease.stream,
                trigger=trigger,
                attempt=schedule.failures + 1,
                now=now,
            )
        return StreamContext(
            lease.connection_id,
            lease.stream,
            self.database,
            self.clock,
            lease,
            run.id,
            clients=self.clients,
            stopping=self.stopping,
        )

    def _abandon_stale_runs(self, session: Session, lease: leases.Lease) -> None:
        """Close the records of runs whose worker died: holding the lease, we know they did."""
        stale = session.scalars(
            select(SyncRun).where(
                SyncRun.connection_id == lease.connection_id,
                SyncRun.stream == lease.stream,
                SyncRun.outcome == runs.RUNNING,
            )
        )
        for run in stale:
            runs.abandon(run, self.clock.now())

    def _default_interval(self, stream: str) -> int | None:
        default = self.registry.stream_class(stream).default_interval
        return schedules.normalize_interval(default, self.options.continuous_interval)

    def _succeeded(self, context: StreamContext) -> RunReport:
        now = self.clock.now()
        with self.database.session() as session:
            run = session.get_one(SyncRun, context.run_id)
            runs.succeed(run, context.counts, now)
            schedule = schedules.schedule_for(session, context.connection_id, context.stream)
            if schedule.last_outcome in (runs.FAILED, runs.DEAD):
                runs.log(
                    session,
                    connection_id=context.connection_id,
                    kind="sync.recovered",
                    message=f"{context.stream}: runs normally again",
                    now=now,
                )
            schedule.failures = 0
            schedule.last_outcome = runs.SUCCEEDED
            schedule.last_run_id = run.id
            schedule.next_run_at = schedules.next_due(
                schedule.interval_seconds, now, self._jitter(), started=run.started_at
            )
        return RunReport(runs.SUCCEEDED, context.run_id, dict(context.counts))

    def _jitter(self) -> float:
        return self.random.random() * self.options.jitter_fraction

    def _failed(self, context: StreamContext, error: Exception) -> RunReport:
        resolution = self.policy.resolve(error)
        now = self.clock.now()
        log.warning(
            "stream %s of connection %s failed: %s (%s)",
            context.stream,
            context.connection_id,
            type(error).__name__,
            resolution.action.value,
        )
        with self.database.session() as session:
            run = session.get_one(SyncRun, context.run_id)
            if isinstance(error, LeaseLost):
                # The stream is another worker's now: record this run, leave the schedule alone.
                runs.fail(run, error, resolution, counts=context.counts, now=now, retry_at=now)
            else:
                self._apply_policy(session, context, run, error, resolution)
            return RunReport(run.outcome, run.id, dict(context.counts), run.message)

    def _apply_policy(
        self,
        session: Session,
        context: StreamContext,
        run: SyncRun,
        error: Exception,
        resolution: FailureResolution,
    ) -> None:
        """Record the failure and do what the policy table says: retry, dead or pause."""
        now = self.clock.now()
        schedule = schedules.schedule_for(session, context.connection_id, context.stream)
        limited = resolution.action is FailureAction.RATE_LIMITED
        retry_at = self._reschedule(
            schedule,
            resolution,
            error,
            progressed=context.progressed,
            limited=rate_limited_in_a_row(session, run) + 1 if limited else 1,
        )
        runs.fail(run, error, resolution, counts=context.counts, now=now, retry_at=retry_at)
        if resolution.action is FailureAction.REAUTHENTICATE:
            run.outcome = runs.FAILED
            connections.pause_for_reauthentication(
                session, context.connection_id, run.message or "", now
            )
        if resolution.action is not FailureAction.RETRY_SOON:  # a race is not news
            schedule.last_outcome = run.outcome
            schedule.last_run_id = run.id
        self._log_failure(session, context, run, resolution)

    def _reschedule(
        self,
        schedule: StreamSchedule,
        resolution: FailureResolution,
        error: Exception,
        *,
        progressed: bool = False,
        limited: int = 1,
    ) -> datetime | None:
        """When the stream runs again; ``limited``: this run's place in a row of rate-limited
        runs (a rate limit waits longer each time the marketplace refuses again)."""
        now = self.clock.now()
        if resolution.counts_as_failure:
            # After committed work the marketplace evidently answers: a new streak starts.
            schedule.failures = 1 if progressed else schedule.failures + 1
        streak = limited if resolution.action is FailureAction.RATE_LIMITED else schedule.failures
        delay = resolution.delay(streak, _retry_after(error))
        if resolution.action is FailureAction.REAUTHENTICATE:
            schedule.next_run_at = schedules.next_due(schedule.interval_seconds, now, 0.0)
            return None
        if delay is None or schedule.failures >= self.options.max_failures:
            schedule.state = schedules.DEAD
            schedule.next_run_at = None
            return None
        retry_at = now + delay * (1 + self._jitter())
        schedule.next_run_at = retry_at
        return retry_at

    def _log_failure(
        self, session: Session, context: StreamContext, run: SyncRun, resolution: FailureResolution
    ) -> None:
        if resolution.action is FailureAction.RETRY_SOON:
            return  # a harmless race: not worth the seller's attention
        kind = {
            FailureAction.REAUTHENTICATE: "connection.reauth_required",
        }.get(resolution.action, "sync.dead" if run.outcome == runs.DEAD else "sync.failed")
        runs.log(
            session,
            connection_id=context.connection_id,
            kind=kind,
            level="error"
            if run.outcome == runs.DEAD or kind.startswith("connection")
            else "warning",
            message=f"{context.stream}: {run.message}",
            now=self.clock.now(),
            details={
                "run_id": run.id,
                "error_class": run.error_class,
                "failure_type": run.failure_type,
                "action": resolution.action.value,
            },
        )


def rate_limited_in_a_row(session: Session, run: SyncRun) -> int:
    """How many runs of ``run``'s stream, just before it, failed on the call budget (a run that
    did not, such as a success, ends the row)."""
    previous = session.scalars(
        select(SyncRun.error_class)
        .where(
            SyncRun.connection_id == run.connection_id,
            SyncRun.stream == run.stream,
            SyncRun.id < run.id,
        )
        .order_by(SyncRun.id.desc())
        .limit(len(RATE_LIMITED_SCHEDULE))
    )
    row = 0
    for error_class in previous:
        if error_class != RateLimited.__name__:
            break
        row += 1
    return row


def _retry_after(error: BaseException) -> float | None:
    """The marketplace's Retry-After, when the error carries one (``RateLimited``)."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float):
        return float(value)
    return None


class _LeaseKeeper:
    """Renews the lease in the background while a stream fetches, so a long call keeps it."""

    def __init__(self, database: Database, lease: leases.Lease) -> None:
        self.database = database
        self.lease = lease
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)

    def __enter__(self) -> _LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _keep(self) -> None:
        interval = self.lease.duration.total_seconds() / 3
        while not self.stopped.wait(interval):
            try:
                with self.database.session() as session:
                    self.lease.fence(session)
            except LeaseLost:
                return  # the run's next transaction will find out and stop
            except Exception:
                log.warning("could not renew the lease of %s", self.lease.stream, exc_info=True)
