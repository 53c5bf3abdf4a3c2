"""The embedded runtime: the scheduler and a worker thread pool inside the web app's process.

``cdlink serve`` starts it from the app's lifespan when ``CDLINK_RUNTIME=embedded``. One thread
ticks the scheduler; due streams run on a small pool. Stopping waits for running streams to
finish their current step; anything not committed is simply done again at the next start.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from cdlink.core.errors import CdlinkError
from cdlink.jobs.backoff import Backoff
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest, run_stream
from cdlink.jobs.scheduler import Scheduler
from cdlink.sync.engine.runner import RunReport

log = logging.getLogger(__name__)


class EmbeddedRuntime:
    """Scheduler thread + worker pool; ``start`` and ``stop`` are idempotent."""

    def __init__(self, environment: JobEnvironment) -> None:
        self.environment = environment
        self.scheduler = Scheduler(environment)
        self.tick_seconds = environment.settings.sync_tick_seconds
        self.backoff = Backoff(base=self.tick_seconds)
        self._stopped = threading.Event()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopped.clear()
        # The embedded queue lived in this process's memory: what it held is gone, queue it again.
        self.scheduler.forget_queued()
        self._pool = ThreadPoolExecutor(
            max_workers=self.environment.settings.sync_worker_threads,
            thread_name_prefix="cdlink-worker",
        )
        self._thread = threading.Thread(target=self._loop, name="cdlink-scheduler", daemon=True)
        self._thread.start()
        log.info("embedded sync runtime started")

    def stop(self) -> None:
        if self._thread is None or self._pool is None:
            return
        self._stopped.set()
        self._woken.set()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._thread = self._pool = None
        log.info("embedded sync runtime stopped")

    def wake(self) -> None:
        """Tick now rather than at the next interval (after a "sync now" or a new outbox entry)."""
        self._woken.set()

    def tick(self) -> list[Future[RunReport]]:
        """Queue the due streams on the pool; returns their futures."""
        if self._pool is None:
            raise RuntimeError("the embedded runtime is not started")
        pool = self._pool
        return [pool.submit(self._perform, request) for request in self.scheduler.tick()]

    def _loop(self) -> None:
        while not self._stopped.is_set():
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
