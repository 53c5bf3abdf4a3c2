"""The outbox and the exporter that drains it: claimed once, coalesced, confirmed or retried."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import run_stream
from cdlink.jobs.scheduler import Scheduler
from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry, OutboxEntry, StreamSchedule
from cdlink.sync.engine import outbox, schedules
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.runner import RunnerOptions, StreamRunner
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from tests.support.outbox_stream import StockPusher, queue_stock

MINUTE = timedelta(minutes=1)


@pytest.fixture
def pusher(registry: StreamRegistry) -> Iterator[type[StockPusher]]:
    registry.register(StockPusher)
    yield StockPusher
    StockPusher.marketplace, StockPusher.refused, StockPusher.calls = {}, set(), []


def states(database: Database) -> list[tuple[str, str]]:
    with database.reading() as session:
        rows = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        return [(row.key, row.state) for row in rows]


def test_given_a_new_outbox_entry_when_added_then_it_asks_for_a_run_of_its_stream(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    queue_stock(database, clock, connection_id, "SKU-1", 5)

    with database.reading() as session:
        schedule = session.get_one(StreamSchedule, (connection_id, "test_stock"))
    assert (schedule.requested_at, schedule.requested_trigger) == (clock.now(), "event")


def test_given_several_levels_of_one_sku_when_drained_then_only_the_newest_is_sent(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    for stock in (5, 4, 3):
        queue_stock(environment.database, clock, connection_id, "SKU-1", stock)
    queue_stock(environment.database, clock, connection_id, "SKU-2", 9)

    report = StreamRunner(environment.database, clock, registry=environment.registry).run(
        connection_id, "test_stock"
    )

    assert report.outcome == "succeeded"
    assert pusher.marketplace == {"SKU-1": 3, "SKU-2": 9}
    assert pusher.calls == [["SKU-1", "SKU-2"]]
    assert (report.counts["confirmed"], report.counts["superseded"]) == (2, 2)
    assert states(environment.database) == [
        ("SKU-1", "superseded"),
        ("SKU-1", "superseded"),
        ("SKU-1", "done"),
        ("SKU-2", "done"),
    ]


def test_given_a_level_the_marketplace_already_confirmed_when_drained_then_it_is_not_sent(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    runner = StreamRunner(environment.database, clock, registry=environment.registry)
    queue_stock(environment.database, clock, connection_id, "SKU-1", 5)
    runner.run(connection_id, "test_stock")
    queue_stock(environment.database, clock, connection_id, "SKU-1", 5)

    report = runner.run(connection_id, "test_stock")

    assert pusher.calls == [["SKU-1"]]
    assert report.counts["skipped"] == 1


def test_given_a_refused_push_when_drained_then_the_entry_waits_with_its_reason_and_retries(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    runner = StreamRunner(environment.database, clock, registry=environment.registry)
    pusher.refused = {"SKU-9"}
    queue_stock(environment.database, clock, connection_id, "SKU-9", 1)

    first = runner.run(connection_id, "test_stock")
    too_soon = runner.run(connection_id, "test_stock")
    pusher.refused = set()
    clock.advance(StockPusher.retry_delay)
    later = runner.run(connection_id, "test_stock")

    assert first.counts["refused"] == 1
    assert "confirmed" not in too_soon.counts
    assert later.counts["confirmed"] == 1
    with environment.database.reading() as session:
        entry = session.scalars(select(OutboxEntry)).one()
    assert (entry.state, entry.attempts, entry.last_error) == (
        "done",
        2,
        "offer unknown to the marketplace",
    )


def test_given_entries_claimed_by_a_dead_worker_when_the_claim_expires_then_they_are_claimed_again(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    queue_stock(database, clock, connection_id, "SKU-1", 5)
    with database.session() as session:
        claimed = outbox.claim(
            session,
            connection_id=connection_id,
            stream="test_stock",
            holder="dead",
            now=clock.now(),
            hold_for=MINUTE,
        )
    with database.session() as session:
        while_held = outbox.claim(
            session,
            connection_id=connection_id,
            stream="test_stock",
            holder="alive",
            now=clock.now(),
            hold_for=MINUTE,
        )
    clock.advance(2 * MINUTE)
    with database.session() as session:
        after_expiry = outbox.claim(
            session,
            connection_id=connection_id,
            stream="test_stock",
            holder="alive",
            now=clock.now(),
            hold_for=MINUTE,
        )
        assert outbox.pending_count(session, connection_id, "test_stock") == 1

    assert (len(claimed), len(while_held), len(after_expiry)) == (1, 0, 1)
    assert after_expiry[0].claimed_by == "alive"


def test_given_concurrent_claimers_when_they_claim_then_no_entry_is_claimed_twice(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    for n in range(40):
        queue_stock(database, clock, connection_id, f"SKU-{n}", n)
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def claimer(name: str) -> None:
        start.wait()
        while True:
            with database.session() as session:
                entries = outbox.claim(
                    session,
                    connection_id=connection_id,
                    stream="test_stock",
                    holder=name,
                    now=clock.now(),
                    hold_for=MINUTE,
                    limit=3,
                )
                ids = [entry.id for entry in entries]
            if not ids:
                return
            with lock:
                claimed.extend(ids)

    threads = [threading.Thread(target=claimer, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 40


def test_given_a_refused_entry_when_its_retry_is_due_then_the_scheduler_runs_the_pusher_again(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    scheduler = Scheduler(environment)
    pusher.refused = {"SKU-9"}
    queue_stock(environment.database, clock, connection_id, "SKU-9", 1)
    (first,) = (r for r in scheduler.tick() if r.stream == "test_stock")
    run_stream(environment, first)

    waiting = [r.stream for r in scheduler.tick()]
    clock.advance(StockPusher.retry_delay)
    due = [r.stream for r in scheduler.tick()]

    assert first.trigger == "event"
    assert "test_stock" not in waiting
    assert "test_stock" in due


def test_given_an_entry_refused_too_often_when_drained_then_it_fails_and_the_seller_is_told(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    runner = StreamRunner(environment.database, clock, registry=environment.registry)
    pusher.refused = {"SKU-9"}
    queue_stock(environment.database, clock, connection_id, "SKU-9", 1)

    for _ in range(StockPusher.max_attempts):
        report = runner.run(connection_id, "test_stock")
        clock.advance(StockPusher.retry_delay)

    assert report.counts["failed"] == 1
    assert states(environment.database) == [("SKU-9", "failed")]
    with environment.database.reading() as session:
        entry = session.scalars(select(ActivityEntry)).one()
    assert entry.kind == "sync.push_failed"
    assert "offer unknown to the marketplace" in entry.message


def test_given_an_old_refused_level_when_retried_after_a_newer_one_was_confirmed_then_it_is_dropped(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    runner = StreamRunner(environment.database, clock, registry=environment.registry)
    pusher.refused = {"SKU-1"}
    queue_stock(environment.database, clock, connection_id, "SKU-1", 5)
    runner.run(connection_id, "test_stock")  # refused: queued again for later
    pusher.refused = set()
    queue_stock(environment.database, clock, connection_id, "SKU-1", 2)
    runner.run(connection_id, "test_stock")  # the newer level goes through
    clock.advance(StockPusher.retry_delay)

    report = runner.run(connection_id, "test_stock")

    assert pusher.marketplace == {"SKU-1": 2}
    assert pusher.calls == [["SKU-1"], ["SKU-1"]]
    assert report.counts["superseded"] == 1
    assert states(environment.database) == [("SKU-1", "superseded"), ("SKU-1", "done")]


def claim_as_a_run_that_died(database: Database, clock: ManualClock, connection_id: int) -> None:
    """A run claimed the entries, then its worker was SIGKILLed: its claim has not expired."""
    with database.session() as session:
        schedule = session.get_one(StreamSchedule, (connection_id, "test_stock"))
        schedule.requested_at = schedule.requested_trigger = None  # the run had started
        outbox.claim(
            session,
            connection_id=connection_id,
            stream="test_stock",
            holder="killed-host:4242:0123456789abcdef",
            now=clock.now(),
            hold_for=StockPusher.claim_duration,
        )


def test_given_entries_claimed_by_a_killed_run_when_the_stream_runs_again_then_it_pushes_at_once(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    queue_stock(environment.database, clock, connection_id, "SKU-1", 5)
    claim_as_a_run_that_died(environment.database, clock, connection_id)
    scheduler = Scheduler(environment)

    due = [request for request in scheduler.tick() if request.stream == "test_stock"]
    report = run_stream(environment, due[0])

    assert report.counts["recovered"] == 1
    assert report.counts["confirmed"] == 1
    assert pusher.marketplace == {"SKU-1": 5}
    assert states(environment.database) == [("SKU-1", "done")]


def test_given_entries_claimed_by_a_failed_run_when_its_retry_is_not_due_then_the_stream_waits(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, pusher: type[StockPusher]
) -> None:
    queue_stock(environment.database, clock, connection_id, "SKU-1", 5)
    claim_as_a_run_that_died(environment.database, clock, connection_id)
    with environment.database.session() as session:
        schedule = session.get_one(StreamSchedule, (connection_id, "test_stock"))
        schedule.last_outcome = "failed"
        schedule.next_run_at = clock.now() + MINUTE  # the failure policy's retry time
    scheduler = Scheduler(environment)

    waiting = [request.stream for request in scheduler.tick()]
    clock.advance(MINUTE)
    due = [request.stream for request in scheduler.tick()]

    assert "test_stock" not in waiting
    assert "test_stock" in due


class FlakyPusher(OutboxExporter):
    """Confirms the first SKU of a run, then the marketplace fails (one SKU per batch)."""

    name = "test_stock"
    kind = "test_offer"
    batch_size = 1
    fail_from: ClassVar[int] = 1

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        if context.counts["confirmed"] >= self.fail_from:
            raise RuntimeError("the marketplace answered 503")
        return {push.entry_id: PushOutcome(True) for push in pushes}


@pytest.fixture
def flaky(registry: StreamRegistry) -> Iterator[type[FlakyPusher]]:
    registry.register(FlakyPusher)
    yield FlakyPusher
    FlakyPusher.fail_from = 1


def failures_after_a_streak_of(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, streak: int
) -> StreamSchedule:
    for sku in ("SKU-1", "SKU-2"):
        queue_stock(environment.database, clock, connection_id, sku, 3)
    with environment.database.session() as session:
        session.get_one(StreamSchedule, (connection_id, "test_stock")).failures = streak
    runner = StreamRunner(
        environment.database, clock, registry=environment.registry, options=RunnerOptions()
    )
    assert runner.run(connection_id, "test_stock").outcome in ("failed", "dead")
    with environment.database.reading() as session:
        return session.get_one(StreamSchedule, (connection_id, "test_stock"))


def test_given_a_run_that_confirmed_work_before_failing_when_recorded_then_a_new_streak_starts(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, flaky: type[FlakyPusher]
) -> None:
    schedule = failures_after_a_streak_of(environment, clock, connection_id, streak=7)

    assert (schedule.failures, schedule.state) == (1, "active")


def test_given_a_run_that_confirmed_nothing_when_it_fails_then_the_streak_goes_on_to_dead(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, flaky: type[FlakyPusher]
) -> None:
    flaky.fail_from = 0

    schedule = failures_after_a_streak_of(environment, clock, connection_id, streak=7)

    assert (schedule.failures, schedule.state) == (8, "dead")


def test_given_a_stream_waiting_to_retry_when_events_arrive_then_only_sync_now_skips_the_wait(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, flaky: type[FlakyPusher]
) -> None:
    flaky.fail_from = 0
    failures_after_a_streak_of(environment, clock, connection_id, streak=0)
    scheduler = Scheduler(environment)
    queue_stock(environment.database, clock, connection_id, "SKU-3", 1)  # an event

    during_backoff = [request.stream for request in scheduler.tick()]
    with environment.database.session() as session:
        schedules.request_run(
            session, connection_id, "test_stock", now=clock.now(), trigger="manual"
        )
    asked = [request for request in scheduler.tick() if request.stream == "test_stock"]

    assert "test_stock" not in during_backoff
    assert [request.trigger for request in asked] == ["manual"]


def test_given_a_stream_waiting_to_retry_when_its_retry_time_comes_then_its_outbox_is_sent(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, flaky: type[FlakyPusher]
) -> None:
    flaky.fail_from = 0
    schedule = failures_after_a_streak_of(environment, clock, connection_id, streak=0)
    scheduler = Scheduler(environment)

    waiting = [request.stream for request in scheduler.tick()]
    assert schedule.next_run_at is not None
    clock.advance(schedule.next_run_at - clock.now())
    due = [request.stream for request in scheduler.tick()]

    assert "test_stock" not in waiting
    assert "test_stock" in due
