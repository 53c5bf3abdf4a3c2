"""The live lane: with every general worker thread busy on long jobs, a live run still starts.

Two long "bulk" streams hold the runtime's two general threads until the test lets them go; a
"live" stream asked for meanwhile must run while they are still running (not after them), in
the embedded runtime and in a Dramatiq worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest
from redis import Redis
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.jobs.distributed import LIVE_QUEUE, QUEUE, SchedulerLoop, Worker, build_broker
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.sync.engine import schedules
from cdlink.sync.engine.streams import BULK, LIVE, Stream, StreamContext, StreamRegistry
from tests.support.databases import REDIS_URL


class Gate:
    """Which streams are running, and the gate that holds the long ones."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.live_saw: set[str] | None = None
        self.release = threading.Event()
        self.lock = threading.Lock()


GATE = Gate()


class LongImport(Stream):
    """A history import: runs until the test opens the gate (or the shutdown)."""

    name = "long_import"
    lane = BULK
    default_interval: ClassVar[int | None] = 3600

    def run(self, context: StreamContext) -> None:
        with GATE.lock:
            GATE.running.add(self.name)
        try:
            while not GATE.release.is_set():
                context.pause(0.05)
        finally:
            with GATE.lock:
                GATE.running.discard(self.name)


class OtherLongImport(LongImport):
    name = "other_long_import"


class NewOrders(Stream):
    """The live orders stream: notes which long jobs were running when it ran."""

    name = "new_orders"
    lane = LIVE
    default_interval: ClassVar[int | None] = None  # only when asked, after the long jobs start

    def run(self, context: StreamContext) -> None:
        with GATE.lock:
            GATE.live_saw = set(GATE.running)


LONG = {LongImport.name, OtherLongImport.name}


@pytest.fixture
def lanes(environment: JobEnvironment) -> Iterator[JobEnvironment]:
    global GATE  # noqa: PLW0603  (a fresh gate per test, read by the stream classes)
    GATE = Gate()
    registry = StreamRegistry([LongImport, OtherLongImport, NewOrders])
    environment.registry = registry
    environment.settings = environment.settings.model_copy(
        update={"sync_worker_threads": 2, "sync_live_threads": 1, "sync_tick_seconds": 0.1}
    )
    yield environment
    GATE.release.set()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


def ask_for_new_orders(environment: JobEnvironment, connection_id: int, clock: ManualClock) -> None:
    with environment.database.session() as session:
        request(session, connection_id, clock)


def request(session: Session, connection_id: int, clock: ManualClock) -> None:
    schedules.request_run(session, connection_id, NewOrders.name, now=clock.now(), trigger="event")


def test_given_both_worker_threads_on_long_imports_when_new_orders_are_due_then_they_run_meanwhile(
    lanes: JobEnvironment, connection_id: int, clock: ManualClock
) -> None:
    runtime = EmbeddedRuntime(lanes)
    runtime.start()
    try:
        wait_for(lambda: GATE.running == LONG)
        ask_for_new_orders(lanes, connection_id, clock)
        runtime.wake()
        wait_for(lambda: GATE.live_saw is not None)
    finally:
        GATE.release.set()
        runtime.stop()

    assert GATE.live_saw == LONG  # it ran while both long imports held the general threads


@pytest.mark.redis
def test_given_a_worker_busy_on_long_imports_when_new_orders_are_queued_then_they_run_meanwhile(
    lanes: JobEnvironment,
    connection_id: int,
    clock: ManualClock,
    redis_client: Redis,
    redis_namespace: str,
) -> None:
    lanes.settings = lanes.settings.model_copy(update={"sync_redis_namespace": redis_namespace})
    scheduler = SchedulerLoop(lanes, build_broker(REDIS_URL, redis_namespace), redis_client)
    worker = Worker(
        lanes,
        build_broker(REDIS_URL, redis_namespace),
        threads=2,
        live_threads=1,
        live_broker=build_broker(REDIS_URL, redis_namespace),
    )
    worker.start()
    try:
        scheduler.tick()  # the two long imports, on the bulk queue
        wait_for(lambda: GATE.running == LONG)
        ask_for_new_orders(lanes, connection_id, clock)
        [sent] = scheduler.tick()
        wait_for(lambda: GATE.live_saw is not None)
    finally:
        GATE.release.set()
        worker.stop()
        scheduler.actor.actor.broker.close()

    assert sent.stream == NewOrders.name
    assert GATE.live_saw == LONG
    assert (QUEUE, LIVE_QUEUE) == ("streams", "streams-live")
