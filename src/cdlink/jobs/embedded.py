"""The embedded runtime: the scheduler and a worker thread pool inside the web app's process.

``cdlink serve`` starts it from the app's lifespan when ``CDLINK_RUNTIME=embedded``. One thread
ticks the scheduler, every ``CDLINK_SYNC_TICK_SECONDS`` and at once after any commit that asked
for a run (an event, an outbox entry, "sync now": ``cdlink.store.schedules.on_requested``), so
work recorded anywhere in the process starts without waiting for the tick. Due streams run on a
pool with lanes (``cdlink.jobs.lanes``): general threads, plus threads kept for the live streams
(new orders, order actions, webhook deliveries).

Stopping (SIGTERM) sets the environment's ``stopping`` event: waiting jobs are dropped, running
ones stop at their next step (their waits end at once), and the runtime waits for them at most
``CDLINK_SHUTDOWN_SECONDS``. A run still inside a marketplace call after that is left behind (its
thread is a daemon); anything not committed is simply done again at the next start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from cdlink.core.clock import Clock, FollowingClock, SystemClock, clock_at
from cdlink.core.errors import CdlinkError
from cdlink.core.settings import Settings
from cdlink.jobs.backoff import Backoff
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest, run_stream
from cdlink.jobs.lanes import LanePool
from cdlink.jobs.marketplace import Transports, in_process_clients
from cdlink.jobs.scheduler import Scheduler
from cdlink.store.engine import Database
from cdlink.store.schedules import on_requested
from cdlink.sync.engine.runner import RunReport

log = logging.getLogger(__name__)


class EmbeddedRuntime:
    """Scheduler thread + worker pool; ``start`` and ``stop`` are idempotent."""

    def __init__(self, environment: JobEnvironment) -> None:
        self.environment = environment
        self.scheduler = Scheduler(environment)
        self.tick_seconds = environment.settings.sync_tick_seconds
        self.backoff = Backoff(base=self.tick_seconds)
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: LanePool[JobRequest, RunReport] | None = None
        self._deadline: float | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> threading.Event:
        return self.environment.stopping

    def start(self) -> None:
        if self._thread is not None:
            return
        self.stopping.clear()
        self._deadline = None
        # The embedded queue lived in this process's memory: what it held is gone, queue it again.
        self.scheduler.forget_queued()
        settings = self.environment.settings
        self._pool = LanePool(
            self._perform,
            threads=settings.sync_worker_threads,
            live_threads=settings.sync_live_threads,
        )
        # A commit that asked for a run (an event, an outbox entry, "sync now") ticks at once.
        self._unsubscribe = on_requested(self.environment.database.sessions, self.wake)
        self._thread = threading.Thread(target=self._loop, name="cdlink-scheduler", daemon=True)
        self._thread.start()
        log.info("embedded sync runtime started")

    def request_stop(self) -> None:
        """Tell the scheduler and the running jobs to stop (at SIGTERM, before ``stop`` waits);
        the shutdown budget (``CDLINK_SHUTDOWN_SECONDS``) counts from the first call."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.environment.settings.shutdown_seconds
        self.stopping.set()
        self._woken.set()

    def stop(self) -> None:
        """Stop; running jobs get until the shutdown budget is spent, then are left behind."""
        if self._thread is None or self._pool is None:
            return
        self.request_stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        deadline = self._deadline or time.monotonic()
        budget = self.environment.settings.shutdown_seconds
        self._thread.join(max(0.0, deadline - time.monotonic()))
        self._pool.close()
        left = self._pool.join(max(0.0, deadline - time.monotonic()))
        if left:
            log.warning(
                "%d job(s) still inside a marketplace call after %.0f s are left behind; "
                "what they did not commit is done again at the next start",
                len(left),
                budget,
            )
        self._thread = self._pool = None
        log.info("embedded sync runtime stopped")

    def wake(self) -> None:
        """Tick now rather than at the next interval (after a "sync now" or a new outbox entry)."""
        self._woken.set()

    def tick(self) -> list[Future[RunReport]]:
        """Queue the due streams on the pool, each in its lane; returns their futures."""
        if self._pool is None:
            raise RuntimeError("the embedded runtime is not started")
        pool, registry = self._pool, self.environment.registry
        return [
            pool.submit(request, registry.lane(request.stream)) for request in self.scheduler.tick()
        ]

    def _loop(self) -> None:
        while not self.stopping.is_set():
            self._woken.wait(self.tick_once())
            self._woken.clear()

    def tick_once(self) -> float:
        """One tick, its failure logged; returns how long to wait before the next."""
        try:
            self.tick()
        except CdlinkError as error:  # a read-only or full database: one line, longer waits
            wait = self.backoff.failed()
            log.warning("the sync scheduler tick failed: %s; trying again in %.0f s", error, wait)
            return wait
        except Exception:
            log.exception("the sync scheduler tick failed; trying again")
            return self.backoff.failed()
        self.backoff.succeeded()
        return self.backoff.delay

    def _perform(self, request: JobRequest) -> RunReport:
        try:
            return run_stream(self.environment, request)
        except Exception:
            log.exception("stream %s of connection %s", request.stream, request.connection_id)
            raise


def runtime_clock(settings: Settings) -> Clock:
    """The system clock, or one following the sandbox's (``CDLINK_CLOCK_URL``: demos, tests)."""
    if settings.clock_url:
        return FollowingClock(clock_at(settings.clock_url))
    return SystemClock()


def embedded_runtime(
    settings: Settings, database: Database, clock: Clock, transports: Transports | None = None
) -> EmbeddedRuntime | None:
    """The scheduler and workers inside this process, unless they run elsewhere (or are off).
    ``transports`` makes the marketplace clients' HTTP transports (the demo's in-process
    sandbox); None: the network."""
    if settings.runtime != "embedded" or not settings.sync_embedded_enabled:
        return None
    stopping = threading.Event()  # the shutdown ends the clients' waits as well as the jobs'
    clients = in_process_clients(settings, clock, transports=transports, stopping=stopping)
    environment = JobEnvironment(settings, database, clock, clients=clients, stopping=stopping)
    return EmbeddedRuntime(environment)
