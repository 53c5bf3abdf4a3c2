"""The scheduler (what is enqueued) and the job function (what a job does), tested apart."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest, run_stream
from cdlink.jobs.scheduler import Scheduler
from cdlink.store.engine import Database
from cdlink.store.models import Connection, OutboxEntry, StreamSchedule, SyncRun
from cdlink.sync.engine import leases, outbox, schedules
from cdlink.sync.engine.errors import SyncError
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.web.app import create_app
from tests.support.connections import add_connection
from tests.support.outbox_stream import StockPusher, queue_stock
from tests.support.sync_tables import local_records, publish

NOW = ManualClock().now()


def test_given_an_active_connection_when_ticked_then_each_interval_stream_is_queued_once(
    environment: JobEnvironment, connection_id: int, registry: StreamRegistry
) -> None:
    registry.register(StockPusher)
    scheduler = Scheduler(environment)

    first, second = scheduler.tick(), scheduler.tick()

    assert first == [JobRequest(connection_id, "test_orders", "schedule")]
    assert first[0].identity_key == f"run_stream:{connection_id}:test_orders"
    assert second == []  # already queued: the identity key holds until the run starts


def test_given_a_queued_job_whose_message_was_lost_when_the_timeout_passes_then_it_is_queued_again(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    scheduler = Scheduler(environment)
    scheduler.tick()

    clock.advance(environment.settings.sync_queue_timeout_seconds + 1)

    assert scheduler.tick() == [JobRequest(connection_id, "test_orders")]


def test_given_a_stream_that_ran_when_ticked_then_it_is_due_again_after_its_interval(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    scheduler = Scheduler(environment)
    (request,) = scheduler.tick()
    run_stream(environment, request)

    assert scheduler.tick() == []
    clock.advance(3600 * (1 + environment.settings.sync_jitter))
    assert scheduler.tick() == [JobRequest(connection_id, "test_orders")]


def test_given_a_running_stream_when_ticked_then_it_is_not_queued(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    leases.acquire(
        environment.database,
        connection_id,
        "test_orders",
        clock=clock,
        duration=timedelta(minutes=1),
    )

    assert Scheduler(environment).tick() == []


def test_given_sync_now_or_an_outbox_entry_when_ticked_then_those_streams_are_queued_with_why(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, registry: StreamRegistry
) -> None:
    registry.register(StockPusher)
    scheduler = Scheduler(environment)
    scheduler.tick()  # the interval stream's first run is queued; the pusher waits for events
    database = environment.database
    with database.session() as session:
        schedules.schedule_for(session, connection_id, "test_orders").queued_at = None
        schedules.request_run(
            session, connection_id, "test_orders", now=clock.now(), trigger="manual"
        )
    queue_stock(database, clock, connection_id, "SKU-1", 4)

    requests = scheduler.tick()

    assert sorted(requests, key=lambda r: r.stream) == [
        JobRequest(connection_id, "test_orders", "manual"),
        JobRequest(connection_id, "test_stock", "event"),
    ]


def test_given_a_paused_connection_or_a_dead_stream_when_ticked_then_nothing_is_queued(
    environment: JobEnvironment, clock: ManualClock, database: Database, connection_id: int
) -> None:
    other = add_connection(database, clock, name="Other shop")
    with database.session() as session:
        session.get_one(Connection, connection_id).state = "reauth_required"
        schedules.schedule_for(session, other, "test_orders").state = schedules.DEAD

    assert Scheduler(environment).tick() == []


def test_given_an_interval_choice_when_set_then_the_schedule_uses_it_and_bad_choices_are_refused(
    database: Database, connection_id: int
) -> None:
    with database.session() as session:
        schedules.set_interval(
            session, connection_id, "orders", "continuous", continuous=10, now=NOW
        )
        schedules.set_interval(session, connection_id, "stock", "events", continuous=10, now=NOW)
        schedules.set_interval(session, connection_id, "offers", "15m", continuous=10, now=NOW)

    with database.reading() as session:
        rows = {row.stream: row.interval_seconds for row in session.scalars(select(StreamSchedule))}
    assert rows == {"orders": 10, "stock": None, "offers": 900}
    with pytest.raises(SyncError) as caught, database.session() as session:
        schedules.set_interval(session, connection_id, "orders", "2m", continuous=10, now=NOW)
    assert "5m" in caught.value.hint


def wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


def test_given_the_embedded_runtime_when_started_then_due_streams_run_in_its_pool(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    publish(environment.database, [("O-1", clock.now() - timedelta(minutes=3), 1)])
    runtime = EmbeddedRuntime(environment)

    runtime.start()
    runtime.wake()
    try:
        wait_for(lambda: local_records(environment.database) == [("O-1", 1)])
    finally:
        runtime.stop()

    assert not runtime.running
    with environment.database.reading() as session:
        assert session.scalars(select(SyncRun)).one().outcome == "succeeded"


def test_given_embedded_settings_when_the_app_starts_and_stops_then_the_runtime_follows(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings.model_copy(update={"sync_embedded_enabled": True}), database=database)
    runtime = app.state.sync_runtime

    with TestClient(app):
        assert runtime.running
    assert not runtime.running


def test_given_the_distributed_runtime_or_tests_when_the_app_starts_then_no_runtime_is_embedded(
    settings: Settings, database: Database
) -> None:
    distributed = settings.model_copy(
        update={"runtime": "distributed", "sync_embedded_enabled": True}
    )

    assert create_app(distributed, database=database).state.sync_runtime is None
    assert create_app(settings, database=database).state.sync_runtime is None


def test_given_jobs_queued_by_a_process_that_died_when_the_embedded_runtime_starts_then_they_run(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    publish(environment.database, [("O-1", clock.now() - timedelta(minutes=3), 1)])
    assert Scheduler(environment).tick()  # queued in the memory of a process that then died
    runtime = EmbeddedRuntime(environment)

    runtime.start()
    try:
        wait_for(lambda: local_records(environment.database) == [("O-1", 1)])
    finally:
        runtime.stop()


def test_given_sync_now_before_the_first_tick_when_ticked_then_the_stream_keeps_its_interval(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    with environment.database.session() as session:
        schedules.request_run(
            session, connection_id, "test_orders", now=clock.now(), trigger="manual"
        )
    scheduler = Scheduler(environment)

    (request,) = scheduler.tick()
    run_stream(environment, request)

    schedule = schedule_of(environment, connection_id)
    assert (schedule.interval_seconds, schedule.interval_source) == (3600, "default")
    assert schedule.next_run_at is not None


def test_given_a_custom_interval_when_ticked_then_it_stays_and_default_brings_the_stream_back(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    scheduler = Scheduler(environment)
    scheduler.tick()
    with environment.database.session() as session:
        schedules.set_interval(
            session, connection_id, "test_orders", "events", continuous=10, now=clock.now()
        )
    scheduler.tick()
    custom = schedule_of(environment, connection_id)
    with environment.database.session() as session:
        schedules.set_interval(
            session, connection_id, "test_orders", "default", continuous=10, now=clock.now()
        )
    scheduler.tick()

    assert (custom.interval_seconds, custom.interval_source) == (None, "custom")
    restored = schedule_of(environment, connection_id)
    assert (restored.interval_seconds, restored.interval_source) == (3600, "default")


def schedule_of(environment: JobEnvironment, connection_id: int) -> StreamSchedule:
    with environment.database.reading() as session:
        return session.get_one(StreamSchedule, (connection_id, "test_orders"))


def test_given_old_runs_when_the_scheduler_prunes_then_only_old_successes_go(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    def add_run(outcome: str, age: timedelta) -> None:
        with environment.database.session() as session:
            session.add(
                SyncRun(
                    connection_id=connection_id,
                    stream="test_orders",
                    started_at=clock.now() - age,
                    finished_at=clock.now() - age,
                    outcome=outcome,
                    counts={},
                )
            )

    add_run("succeeded", timedelta(days=30))
    add_run("failed", timedelta(days=30))
    add_run("succeeded", timedelta(days=1))
    scheduler = Scheduler(environment)

    pruned, again = scheduler.prune_if_due(), scheduler.prune_if_due()

    assert (pruned, again) == (1, 0)  # the second call comes within the hour
    with environment.database.reading() as session:
        left = session.scalars(select(SyncRun.outcome).order_by(SyncRun.id)).all()
    assert left == ["failed", "succeeded"]


def test_given_old_sent_outbox_entries_when_the_scheduler_prunes_then_only_those_no_one_needs_go(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    def add_entry(key: str, state: str, age: timedelta | None) -> None:
        with environment.database.session() as session:
            entry = outbox.add(
                session,
                connection_id=connection_id,
                stream="stock",
                key=key,
                payload={"quantity": 1},
                now=clock.now() - timedelta(days=30),
            )
            if age is not None:
                outbox.finish(entry, state, clock.now() - age)

    add_entry("OLD-SENT", outbox.SUPERSEDED, timedelta(days=9))
    add_entry("OLD-SENT", outbox.DONE, timedelta(days=8))
    add_entry("RECENT", outbox.DONE, timedelta(days=1))
    add_entry("WAITING", outbox.PENDING, None)  # an older value still to send...
    add_entry("WAITING", outbox.DONE, timedelta(days=8))  # ...that this newer one overrides
    add_entry("FAILED", outbox.FAILED, timedelta(days=20))

    assert Scheduler(environment).prune_if_due() == 2

    with environment.database.reading() as session:
        left = session.execute(
            select(OutboxEntry.key, OutboxEntry.state).order_by(OutboxEntry.id)
        ).all()
    assert [tuple(row) for row in left] == [
        ("RECENT", "done"),
        ("WAITING", "pending"),
        ("WAITING", "done"),
        ("FAILED", "failed"),
    ]


class FastStream(Stream):
    """A stream that asks to run as often as possible: it follows the continuous interval."""

    name = "test_fast"
    default_interval = 1

    def run(self, context: StreamContext) -> None:
        return None


def test_given_the_continuous_interval_changed_when_ticked_then_default_rows_follow_it(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, registry: StreamRegistry
) -> None:
    registry.register(FastStream)
    Scheduler(environment).tick()
    with environment.database.session() as session:
        schedules.set_interval(
            session, connection_id, "test_orders", "events", continuous=10, now=clock.now()
        )
    slower = environment.settings.model_copy(update={"sync_continuous_seconds": 30})

    Scheduler(dataclasses.replace(environment, settings=slower)).tick()

    with environment.database.reading() as session:
        fast = session.get_one(StreamSchedule, (connection_id, "test_fast"))
    custom = schedule_of(environment, connection_id)
    assert (fast.interval_seconds, fast.interval_source) == (30, "default")
    assert (custom.interval_seconds, custom.interval_source) == (None, "custom")


class NearContinuousStream(Stream):
    """A stream polled near-continuously by default, as orders and discussions are."""

    name = "test_near_continuous"
    default_interval = schedules.INTERVAL_CHOICES["continuous"]

    def run(self, context: StreamContext) -> None:
        return None


@pytest.mark.parametrize("continuous", [5, 10, 30])
def test_given_a_continuous_interval_when_ticked_then_near_continuous_streams_follow_it_both_ways(
    environment: JobEnvironment, connection_id: int, registry: StreamRegistry, continuous: int
) -> None:
    registry.register(NearContinuousStream)
    settings = environment.settings.model_copy(update={"sync_continuous_seconds": continuous})

    Scheduler(dataclasses.replace(environment, settings=settings)).tick()

    with environment.database.reading() as session:
        row = session.get_one(StreamSchedule, (connection_id, "test_near_continuous"))
    assert row.interval_seconds == continuous
