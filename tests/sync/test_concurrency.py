"""Two workers never run the same stream of one connection at once; a lost lease stops writes."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import pytest
from sqlalchemy import insert

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import StreamSchedule, SyncRun
from cdlink.sync.engine import leases
from cdlink.sync.engine.errors import StreamBusy
from cdlink.sync.engine.runner import RunnerOptions, StreamRunner
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from tests.support.sync_tables import local, local_records


class SlowStream(Stream):
    """Notes when each run enters and leaves, and takes a moment in between."""

    name = "slow"
    visits: ClassVar[list[tuple[str, float, float]]] = []
    lock = threading.Lock()

    def run(self, context: StreamContext) -> None:
        entered = time.monotonic()
        time.sleep(0.3)
        with self.lock:
            self.visits.append((context.lease.holder, entered, time.monotonic()))


class TakenOverStream(Stream):
    """Commits one step, loses its lease to another worker, then tries a second step."""

    name = "taken_over"
    clock: ClassVar[ManualClock]

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            session.execute(insert(local).values(external_id="step-1", value=1))
        self.clock.advance(context.lease.duration * 2)
        leases.acquire(
            context.database,
            context.connection_id,
            self.name,
            clock=self.clock,
            duration=context.lease.duration,
            holder="the-other-worker",
        )
        with context.transaction() as session:
            session.execute(insert(local).values(external_id="step-2", value=2))


@pytest.fixture
def streams(registry: StreamRegistry, clock: ManualClock) -> Iterator[StreamRegistry]:
    registry.register(SlowStream)
    registry.register(TakenOverStream)
    TakenOverStream.clock = clock
    yield registry
    SlowStream.visits = []


def test_given_four_workers_racing_for_one_stream_when_they_run_then_never_two_at_once(
    environment: JobEnvironment, connection_id: int, streams: StreamRegistry
) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def worker() -> None:
        runner = StreamRunner(environment.database, environment.clock, registry=streams)
        start.wait()
        for _ in range(3):
            outcomes.append(runner.run(connection_id, "slow").outcome)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    visits = sorted(SlowStream.visits, key=lambda visit: visit[1])
    assert len(visits) == outcomes.count("succeeded") >= 1
    assert "busy" in outcomes
    assert set(outcomes) <= {"succeeded", "busy"}
    for (_, _, left), (_, entered, _) in itertools.pairwise(visits):
        assert left <= entered


def test_given_a_run_whose_lease_was_taken_over_when_it_writes_again_then_nothing_is_committed(
    environment: JobEnvironment, connection_id: int, streams: StreamRegistry
) -> None:
    runner = StreamRunner(
        environment.database, environment.clock, registry=streams, options=RunnerOptions()
    )

    report = runner.run(connection_id, "taken_over")

    assert [external_id for external_id, _ in local_records(environment.database)] == ["step-1"]
    with environment.database.reading() as session:
        run = session.get_one(SyncRun, report.run_id)
        schedule = session.get_one(StreamSchedule, (connection_id, "taken_over"))
        holder = leases.holder_of(session, connection_id, "taken_over", environment.clock.now())
    assert (run.outcome, run.error_class) == ("failed", "LeaseLost")
    assert schedule.failures == 0
    assert holder == "the-other-worker"  # the loser did not release the winner's lease


def test_given_a_holder_committing_a_step_when_another_worker_asks_then_it_is_busy_at_once(
    environment: JobEnvironment, connection_id: int, clock: ManualClock
) -> None:
    if environment.database.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: the asking worker waits for the database")
    duration = timedelta(seconds=60)
    held = leases.acquire(
        environment.database, connection_id, "slow", clock=clock, duration=duration
    )
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            leases.acquire(
                environment.database, connection_id, "slow", clock=clock, duration=duration
            )
            outcome.append(None)
        except BaseException as error:  # reported to the test's thread
            outcome.append(error)

    with environment.database.session() as session:
        held.fence(session)  # a step in flight: the lease row is locked until it commits
        clock.advance(duration * 2)  # and the step outlasts the lease
        asking = threading.Thread(target=ask)
        asking.start()
        asking.join(timeout=10)
        assert not asking.is_alive(), "the asking worker waited for the holder's commit"

    assert len(outcome) == 1
    assert isinstance(outcome[0], StreamBusy)
