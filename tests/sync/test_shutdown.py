"""The shutdown, in process: a run stops between two committed steps and the next one resumes it;
the embedded runtime does not wait past its budget for a job stuck in a call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import StreamSchedule, SyncRun
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.sync.engine.windows import Expectation, Window
from tests.support.sync_tables import TableImporter, local_records, publish

RECORDS = 12  # one per 5-minute window of the last hour


class StoppedAfterThreeWindows(TableImporter):
    """The test importer, with SIGTERM arriving once its third window is committed."""

    windows = 0

    def import_window(
        self,
        context: StreamContext,
        cursor: Any,
        window: Window,
        expectation: Expectation | None = None,
    ) -> int:
        read = super().import_window(context, cursor, window, expectation)
        StoppedAfterThreeWindows.windows += 1
        if StoppedAfterThreeWindows.windows == 3:
            context.stopping.set()
        return read


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


def test_given_a_run_between_windows_when_the_shutdown_comes_then_it_stops_and_the_next_run_resumes(
    environment: JobEnvironment, clock: ManualClock, connection_id: int
) -> None:
    step = timedelta(minutes=5)
    publish(
        environment.database,
        [(f"O-{n:02}", clock.now() - n * step + timedelta(minutes=1), n) for n in range(1, 13)],
    )
    StoppedAfterThreeWindows.windows = 0
    environment.registry = StreamRegistry([StoppedAfterThreeWindows])

    stopped = environment.runner().run(connection_id, "test_orders")
    kept = local_records(environment.database)
    environment.stopping.clear()  # the process starts again
    environment.registry = StreamRegistry([TableImporter])
    resumed = environment.runner().run(connection_id, "test_orders")

    assert stopped.outcome == "failed"
    assert "stopped for the shutdown" in (stopped.message or "")
    assert len(kept) == 3  # three whole windows committed, nothing of the fourth
    assert resumed.outcome == "succeeded"
    assert sorted(local_records(environment.database)) == sorted(
        (f"O-{n:02}", n) for n in range(1, RECORDS + 1)
    )
    with environment.database.reading() as session:
        runs = session.execute(select(SyncRun.outcome, SyncRun.error_class).order_by(SyncRun.id))
        assert list(runs) == [("failed", "RunStopped"), ("succeeded", None)]
        schedule = session.get_one(StreamSchedule, (connection_id, "test_orders"))
        assert schedule.failures == 0  # a shutdown is not the stream's failure


class StuckInACall(Stream):
    """A run inside a marketplace call that ignores the shutdown (a socket read)."""

    name = "stuck"
    default_interval: ClassVar[int | None] = 3600
    inside = threading.Event()
    release = threading.Event()

    def run(self, context: StreamContext) -> None:
        StuckInACall.inside.set()
        StuckInACall.release.wait(60)


def test_given_a_job_stuck_in_a_call_when_the_runtime_stops_then_it_does_not_wait_past_its_budget(
    environment: JobEnvironment, connection_id: int
) -> None:
    StuckInACall.inside, StuckInACall.release = threading.Event(), threading.Event()
    environment.registry = StreamRegistry([StuckInACall])
    environment.settings = environment.settings.model_copy(
        update={"shutdown_seconds": 0.5, "sync_tick_seconds": 0.1}
    )
    runtime = EmbeddedRuntime(environment)
    runtime.start()
    try:
        wait_for(StuckInACall.inside.is_set)
        runtime.stop()
        still_inside = not StuckInACall.release.is_set()
    finally:
        StuckInACall.release.set()

    assert not runtime.running
    assert still_inside  # stop() came back while the call was still going
    assert environment.stopping.is_set()
