"""Writers of one SQLite file in one process take turns, first come first served.

SQLite has one writer at a time, and a writer that finds the file locked sleeps in its busy
handler and tries again: it is not woken when the lock is free. A thread that commits and at
once begins again (an import writing its pages back to back) takes the lock again before the
sleeping writers wake, for as long as it goes on; in the embedded runtime, the scheduler's tick,
the lease renewals and the order actions waited that way for 10 s and more behind an orders
import. ``WriterTurns`` queues this process's writers of a file in the order they asked and hands
the turn to the next one at each commit, so they alternate with the import; SQLite's lock (other
processes, the CLI) works as before underneath.

A thread that already has the turn and opens another write session goes on (its turn is counted
twice). A writer that waited ``timeout`` seconds goes on without the turn, leaving SQLite's busy
timeout to decide, as it did before turns existed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class WriterTurns:
    """A first-come-first-served turn for the writers of one database file (see the module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None
        self._depth = 0
        self._waiting: deque[tuple[int, threading.Event]] = deque()

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold the turn for the block; wait at most ``timeout`` seconds for it."""
        held = self._acquire(timeout)
        try:
            yield
        finally:
            if held:
                self._release()

    @property
    def waiting(self) -> int:
        """Writers waiting for their turn (for tests)."""
        with self._lock:
            return len(self._waiting)

    def _acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._lock:
            if self._holder == me:
                self._depth += 1
                return True
            if self._holder is None and not self._waiting:
                self._holder, self._depth = me, 1
                return True
            ticket = (me, threading.Event())
            self._waiting.append(ticket)
        if ticket[1].wait(timeout):
            return True  # handed over by the writer before: the turn is ours
        with self._lock:
            if self._holder == me:
                return True  # handed over as the wait ended
            self._waiting.remove(ticket)
            return False

    def _release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._holder, event = self._waiting.popleft()
                self._depth = 1
                event.set()
            else:
                self._holder = None


_TURNS: dict[str, WriterTurns] = {}
_TURNS_LOCK = threading.Lock()


def turns_for(path: str) -> WriterTurns:
    """The turns of the SQLite file ``path`` in this process (one per file, shared by every
    ``Database`` opened on it)."""
    with _TURNS_LOCK:
        return _TURNS.setdefault(path, WriterTurns())
