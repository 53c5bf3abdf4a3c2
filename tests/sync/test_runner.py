"""One run of a stream: import, counts, and what the failure policy does to the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia.errors import CredentialsRejected, Forbidden, RateLimited, ServerError
from cdlink.store.engine import Database
from cdlink.store.models import (
    ActivityEntry,
    Binding,
    Connection,
    QuarantinedRecord,
    StreamSchedule,
    SyncRun,
)
from cdlink.sync.engine import connections, leases, quarantine, schedules
from cdlink.sync.engine.errors import BindingRaced, UnknownConnection, UnknownStream
from cdlink.sync.engine.runner import RunnerOptions, StreamRunner
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.sync.engine.windows import Window
from tests.support.sync_tables import TableImporter, local_records, publish

MINUTE = timedelta(minutes=1)


class ScriptedStream(Stream):
    """Raises the next error of ``script`` (None: succeeds) each time it runs."""

    name = "scripted"
    default_interval = 900
    script: ClassVar[list[Exception | None]] = []

    def run(self, context: StreamContext) -> None:
        error = self.script.pop(0) if self.script else None
        if error is not None:
            raise error
        context.count(items=1)


@pytest.fixture
def scripted(registry: StreamRegistry) -> Iterator[type[ScriptedStream]]:
    registry.register(ScriptedStream)
    yield ScriptedStream
    ScriptedStream.script = []


def a_runner(environment: JobEnvironment, max_failures: int = 3) -> StreamRunner:
    return StreamRunner(
        environment.database,
        environment.clock,
        registry=environment.registry,
        options=RunnerOptions(max_failures=max_failures, jitter_fraction=0.0),
    )


def schedule_of(database: Database, connection_id: int, stream: str) -> StreamSchedule:
    with database.reading() as session:
        row = session.get(StreamSchedule, (connection_id, stream))
        assert row is not None
        return row


def test_given_marketplace_records_when_the_stream_runs_then_each_is_imported_and_bound_once(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    database = environment.database
    publish(database, [(f"O-{n}", clock.now() - n * 7 * MINUTE, n) for n in range(1, 8)])

    first = a_runner(environment).run(connection_id, "test_orders")
    publish(database, [("O-1", clock.now() + 30 * MINUTE, 100)])  # changed later
    clock.advance(timedelta(hours=1))
    second = a_runner(environment).run(connection_id, "test_orders")

    assert first.outcome == second.outcome == "succeeded"
    assert first.counts["created"] == 7
    assert second.counts["updated"] >= 1
    assert "created" not in second.counts
    records = local_records(database)
    assert sorted(external_id for external_id, _ in records) == [f"O-{n}" for n in range(1, 8)]
    assert dict(records)["O-1"] == 100
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Binding)) == 7


def test_given_a_record_that_cannot_be_mapped_when_imported_then_it_is_quarantined_not_lost(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    database = environment.database
    publish(database, [("O-1", clock.now() - MINUTE, -5), ("O-2", clock.now() - MINUTE, 2)])

    report = a_runner(environment).run(connection_id, "test_orders")
    clock.advance(MINUTE)
    again = a_runner(environment).run(connection_id, "test_orders")  # the look-back re-reads O-1

    assert report.outcome == "succeeded"
    assert (report.counts["created"], report.counts["rejected"]) == (1, 1)
    assert again.counts["rejected"] == 1
    with database.reading() as session:
        (entry,) = session.scalars(select(ActivityEntry)).all()  # told once, not every run
        (kept,) = quarantine.open_entries(session, connection_id)
    assert entry.kind == "sync.record_rejected"
    assert "O-1" in entry.message
    assert "negative" in entry.message
    assert (kept.external_id, kept.raw, kept.occurrences) == (
        "O-1",
        {"external_id": "O-1", "value": -5},
        2,
    )
    assert "negative" in kept.reason


def test_given_a_quarantined_record_when_a_fixed_version_arrives_then_it_is_imported_and_resolved(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    database = environment.database
    publish(database, [("O-1", clock.now() - MINUTE, -5)])
    a_runner(environment).run(connection_id, "test_orders")
    publish(database, [("O-1", clock.now(), 5)])  # the marketplace corrected it
    clock.advance(MINUTE)

    report = a_runner(environment).run(connection_id, "test_orders")

    assert report.counts["created"] == 1
    assert local_records(database) == [("O-1", 5)]
    with database.reading() as session:
        assert quarantine.open_entries(session) == []
        resolved = session.scalars(select(QuarantinedRecord)).one()
    assert resolved.resolved_at == clock.now()


def test_given_a_server_error_when_the_run_fails_then_it_is_recorded_and_retried_on_schedule(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    scripted.script = [ServerError("HTTP 503 from the marketplace")]

    report = a_runner(environment).run(connection_id, "scripted")

    assert report.outcome == "failed"
    with environment.database.reading() as session:
        run = session.get_one(SyncRun, report.run_id)
        assert run.error_class == "ServerError"
        assert run.failure_type == "transient"
        assert run.message is not None
        assert "503" in run.message
        assert run.retry_at == clock.now() + timedelta(seconds=30)
        assert session.scalars(select(ActivityEntry.kind)).all() == ["sync.failed"]
    schedule = schedule_of(environment.database, connection_id, "scripted")
    assert (schedule.failures, schedule.next_run_at) == (1, clock.now() + timedelta(seconds=30))


def test_given_failures_in_a_row_when_the_limit_is_reached_then_dead_until_a_manual_retry(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    scripted.script = [ServerError("down"), ServerError("down"), ServerError("down")]
    runner = a_runner(environment, max_failures=3)

    outcomes = [runner.run(connection_id, "scripted").outcome for _ in range(3)]
    scheduled = runner.run(connection_id, "scripted")
    with environment.database.session() as session:
        schedules.retry_dead(session, connection_id, "scripted", now=clock.now())
    retried = runner.run(connection_id, "scripted", trigger="schedule")

    assert outcomes == ["failed", "failed", "dead"]
    assert scheduled.outcome == "dead"
    assert scheduled.run_id is None  # a dead stream does not run on its schedule
    assert retried.outcome == "succeeded"
    schedule = schedule_of(environment.database, connection_id, "scripted")
    assert (schedule.state, schedule.failures) == ("active", 0)
    with environment.database.reading() as session:
        kinds = session.scalars(select(ActivityEntry.kind).order_by(ActivityEntry.id)).all()
        assert session.get_one(SyncRun, retried.run_id).trigger == "manual"
    assert kinds == ["sync.failed", "sync.failed", "sync.dead", "sync.recovered"]


def test_given_rejected_credentials_when_the_run_fails_then_the_connection_is_paused(
    environment: JobEnvironment, connection_id: int, scripted: type[ScriptedStream]
) -> None:
    scripted.script = [CredentialsRejected("the client secret was refused")]
    runner = a_runner(environment)

    failed = runner.run(connection_id, "scripted")
    paused = runner.run(connection_id, "scripted")

    assert failed.outcome == "failed"
    assert paused.outcome == "paused"
    with environment.database.reading() as session:
        connection = session.get_one(Connection, connection_id)
        run = session.get_one(SyncRun, failed.run_id)
        entry = session.scalars(select(ActivityEntry)).one()
    assert connection.state == "reauth_required"
    assert connection.state_reason is not None
    assert "Client Secret again" in connection.state_reason
    assert run.failure_type == "configuration"
    assert (entry.kind, entry.level) == ("connection.reauth_required", "error")


def test_given_a_forbidden_error_when_the_run_fails_then_the_stream_is_dead_at_once(
    environment: JobEnvironment, connection_id: int, scripted: type[ScriptedStream]
) -> None:
    scripted.script = [Forbidden("this seller may not call the offers API")]

    report = a_runner(environment).run(connection_id, "scripted")

    assert report.outcome == "dead"
    assert schedule_of(environment.database, connection_id, "scripted").state == "dead"


@pytest.mark.parametrize(
    ("error", "wait"),
    [
        (RateLimited("too many calls", retry_after=300), timedelta(minutes=5)),
        (BindingRaced("another run bound O-1 first"), timedelta(seconds=5)),
    ],
)
def test_given_a_rate_limit_or_a_race_when_the_run_fails_then_it_waits_without_counting(
    environment: JobEnvironment,
    connection_id: int,
    scripted: type[ScriptedStream],
    error: Exception,
    wait: timedelta,
) -> None:
    scripted.script = [error]

    report = a_runner(environment).run(connection_id, "scripted")

    schedule = schedule_of(environment.database, connection_id, "scripted")
    assert report.outcome == "failed"
    assert (schedule.failures, schedule.next_run_at) == (0, environment.clock.now() + wait)


def test_given_rate_limits_in_a_row_when_the_runs_fail_then_each_waits_longer_until_one_passes(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    limited = RateLimited("too many calls")
    scripted.script = [limited, limited, limited, None, limited]
    runner = a_runner(environment)

    waits = []
    for _ in range(5):
        runner.run(connection_id, "scripted")
        schedule = schedule_of(environment.database, connection_id, "scripted")
        assert schedule.next_run_at is not None
        waits.append(schedule.next_run_at - clock.now())
        clock.advance(waits[-1])

    assert waits[:3] == [timedelta(seconds=seconds) for seconds in (5, 15, 30)]
    assert waits[4] == timedelta(seconds=5)  # the success in between ended the row
    assert schedule.failures == 0


class TimedStream(Stream):
    """Succeeds after ``seconds`` on the test's clock (``clock``)."""

    name = "timed"
    default_interval = 600
    clock: ClassVar[ManualClock]
    seconds: ClassVar[float] = 0.0

    def run(self, context: StreamContext) -> None:
        self.clock.advance(self.seconds)


@pytest.fixture
def timed(registry: StreamRegistry, clock: ManualClock) -> type[TimedStream]:
    TimedStream.clock = clock
    registry.register(TimedStream)
    return TimedStream


@pytest.mark.parametrize(
    ("took", "due_after_it_ended"),
    [(0, 600), (240, 360), (599, 120), (900, 120)],
)
def test_given_an_interval_stream_when_a_run_ends_then_the_next_is_due_an_interval_after_its_start(
    environment: JobEnvironment,
    connection_id: int,
    timed: type[TimedStream],
    took: float,
    due_after_it_ended: float,
) -> None:
    """Fixed rate: a run's length does not stretch the interval; one longer than it (or nearly)
    still leaves a fifth of the interval's rest (``schedules.LEAST_REST``)."""
    timed.seconds = took

    report = a_runner(environment).run(connection_id, "timed")

    schedule = schedule_of(environment.database, connection_id, "timed")
    assert report.outcome == "succeeded"
    assert schedule.next_run_at == timed.clock.now() + timedelta(seconds=due_after_it_ended)


def test_given_a_lease_held_elsewhere_when_run_then_it_is_busy_and_nothing_runs(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    held = leases.acquire(
        environment.database, connection_id, "scripted", clock=clock, duration=MINUTE
    )

    busy = a_runner(environment).run(connection_id, "scripted")
    clock.advance(2 * MINUTE)  # the holder died: its lease expires
    taken_over = a_runner(environment).run(connection_id, "scripted")

    assert busy.outcome == "busy"
    assert taken_over.outcome == "succeeded"
    with environment.database.reading() as session:
        assert leases.holder_of(session, connection_id, "scripted", clock.now()) is None
    assert held.holder != ""


def test_given_a_run_left_running_by_a_dead_worker_when_the_next_run_starts_then_it_is_closed(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    with environment.database.session() as session:
        session.add(
            SyncRun(
                connection_id=connection_id, stream="scripted", started_at=clock.now(), counts={}
            )
        )

    a_runner(environment).run(connection_id, "scripted")

    with environment.database.reading() as session:
        outcomes = session.scalars(select(SyncRun.outcome).order_by(SyncRun.id)).all()
        first = session.scalars(select(SyncRun).order_by(SyncRun.id)).first()
    assert outcomes == ["failed", "succeeded"]
    assert first is not None
    assert first.error_class == "WorkerLost"


def test_given_unknown_names_when_run_then_the_errors_say_what_exists(
    environment: JobEnvironment, connection_id: int
) -> None:
    with pytest.raises(UnknownStream, match="test_orders"):
        a_runner(environment).run(connection_id, "nope")
    with pytest.raises(UnknownConnection):
        a_runner(environment).run(connection_id + 100, "test_orders")


def test_given_two_streams_with_one_name_when_registered_then_the_registry_refuses() -> None:
    registry = StreamRegistry()
    registry.register(TableImporter)

    class Impostor(TableImporter):
        pass

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)
    assert registry.names() == ["test_orders"]


class RepeatingImporter(TableImporter):
    """Lists the same marketplace object twice in one window, as paginated APIs sometimes do."""

    name = "repeating"

    def fetch(self, context: StreamContext, window: Window) -> list[Any]:
        records = list(super().fetch(context, window))
        return records + records


def test_given_a_record_listed_twice_in_one_window_when_imported_then_it_is_bound_once(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, registry: StreamRegistry
) -> None:
    registry.register(RepeatingImporter)
    publish(environment.database, [("O-1", clock.now() - MINUTE, 1)])

    report = a_runner(environment).run(connection_id, "repeating")

    assert (report.counts["created"], report.counts["updated"]) == (1, 1)
    assert local_records(environment.database) == [("O-1", 1)]


def test_given_a_paused_connection_when_reactivated_then_its_streams_run_again_at_once(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    scripted: type[ScriptedStream],
) -> None:
    scripted.script = [CredentialsRejected("the client secret was refused")]
    runner = a_runner(environment)
    runner.run(connection_id, "scripted")
    clock.advance(60)

    with environment.database.session() as session:
        connections.reactivate(session, connection_id, clock.now())
    report = runner.run(connection_id, "scripted")

    assert report.outcome == "succeeded"
    with environment.database.reading() as session:
        connection = session.get_one(Connection, connection_id)
        kinds = session.scalars(select(ActivityEntry.kind).order_by(ActivityEntry.id)).all()
    assert (connection.state, connection.state_reason) == ("active", None)
    assert kinds == ["connection.reauth_required", "connection.reactivated", "sync.recovered"]
