"""Lanes: the embedded runtime's worker threads, with some kept for the live streams.

A stream's ``lane`` (``cdlink.sync.engine.streams``) is ``live`` (new orders, order actions: short
runs a seller waits for) or ``bulk`` (history imports, stock packages, reconciliation: runs that
may last minutes). ``LanePool`` has ``threads`` general threads, which take a waiting live job
before any bulk one, and ``live_threads`` reserved threads, which take only live jobs. So with
every general thread busy on a long import, a new orders run still starts at once.

The threads are daemon threads: at the shutdown the runtime waits for them only as long as its
budget allows (``close`` then ``join``), and a thread stuck in a marketplace call past that does
not keep the process alive. What its run had not committed is done again at the next start.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from cdlink.sync.engine.streams import BULK, LIVE

JobT = TypeVar("JobT")
ResultT = TypeVar("ResultT")
LANES = (LIVE, BULK)


class LanePool(Generic[JobT, ResultT]):
    """Daemon threads running ``perform(job)`` for jobs submitted to a lane."""

    def __init__(
        self,
        perform: Callable[[JobT], ResultT],
        *,
        threads: int,
        live_threads: int,
        name: str = "cdlink-worker",
    ) -> None:
        self._perform = perform
        self._waiting: dict[str, deque[tuple[Future[ResultT], JobT]]] = {
            lane: deque() for lane in LANES
        }
        self._condition = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, args=(LANES,), name=f"{name}-{n}", daemon=True)
            for n in range(1, threads + 1)
        ] + [
            threading.Thread(
                target=self._work, args=((LIVE,),), name=f"{name}-live-{n}", daemon=True
            )
            for n in range(1, live_threads + 1)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: JobT, lane: str) -> Future[ResultT]:
        """Queue ``job`` on ``lane`` (``live`` or ``bulk``); its future holds the result."""
        future: Future[ResultT] = Future()
        with self._condition:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            self._waiting[lane if lane in self._waiting else BULK].append((future, job))
            self._condition.notify_all()
        return future

    def close(self) -> None:
        """Take no more jobs and cancel those still waiting; running ones go on."""
        with self._condition:
            self._closed = True
            for waiting in self._waiting.values():
                while waiting:
                    waiting.popleft()[0].cancel()
            self._condition.notify_all()

    def join(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds in all for the threads; the names of those still busy."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [thread.name for thread in self._threads if thread.is_alive()]

    def _next(self, lanes: tuple[str, ...]) -> tuple[Future[ResultT], JobT] | None:
        with self._condition:
            while not self._closed:
                for lane in lanes:
                    if self._waiting[lane]:
                        return self._waiting[lane].popleft()
                self._condition.wait()
            return None

    def _work(self, lanes: tuple[str, ...]) -> None:
        while (taken := self._next(lanes)) is not None:
            future, job = taken
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._perform(job))
            except BaseException as error:
                future.set_exception(error)
