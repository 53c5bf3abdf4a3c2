"""Reading ahead: a stream's pages fetched in a thread of their own while the run writes.

A window of a busy shop is dozens of pages, and the call budget spaces them (ten calls a second
by default), so a run that reads a whole window before writing it spends most of the read asleep
in the budget. ``ReadAhead`` runs the page iterator in a thread and hands the pages over in order,
so the run's thread writes one page while the next is waited for and fetched. Only the waiting
and the marketplace's I/O overlap the writes (Python runs one thread at a time), which is where
the time goes. Without a thread (``thread=False``), the pages are all read on entering, in the
caller's thread, and handed over the same way.

The reading thread touches no database: it only calls the marketplace through the client made
for the run before it starts. What it raises (a ``WindowTooFull``, a ``RateLimited``, a
``WindowDrifting``) comes out of the iteration in the run's thread, after the pages read before
it. Leaving the ``with`` block early (a write failed, the lease was lost) stops the reading at its
next page and waits for the thread, so no call is left running behind the run.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _Ended:
    pass


_END = _Ended()


class ReadAhead(Generic[T]):
    """Iterates ``source`` ahead of the caller; iterate the ``ReadAhead`` for its items, in
    order, each as soon as it is read. Use it as a context manager (the reading starts on
    entering)."""

    def __init__(self, source: Iterator[T], *, name: str, thread: bool = True) -> None:
        self._source = source
        self._items: deque[T | _Failed | _Ended] = deque()
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if thread:
            # The caller's context (logging fields, settings overrides) goes with the reads.
            context = contextvars.copy_context()
            self._thread = threading.Thread(
                target=context.run, args=(self._read,), name=name, daemon=True
            )

    def __enter__(self) -> ReadAhead[T]:
        if self._thread is None:
            self._read()
        else:
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._next()
            if isinstance(item, _Ended):
                return
            yield item

    def ready(self) -> T | None:
        """The next item if it is already read; None otherwise, and at the end or a failure
        (which the iteration then reports)."""
        with self._ready:
            if not self._items or isinstance(self._items[0], _Failed | _Ended):
                return None
            item = self._items.popleft()
        assert not isinstance(item, _Failed | _Ended)
        return item

    def finished(self) -> bool:
        """Whether every item was handed out and the source ended without error."""
        with self._ready:
            return bool(self._items) and isinstance(self._items[0], _Ended)

    def _next(self) -> T | _Ended:
        with self._ready:
            while not self._items:
                self._ready.wait()
            item = self._items.popleft()
        if isinstance(item, _Failed):
            raise item.error
        return item

    def _read(self) -> None:
        try:
            for item in self._source:
                self._put(item)
                if self._stop.is_set():
                    return
            self._put(_END)
        except BaseException as error:  # handed to the caller, which raises it
            self._put(_Failed(error))
        finally:
            close = getattr(self._source, "close", None)
            if callable(close):
                close()

    def _put(self, item: T | _Failed | _Ended) -> None:
        with self._ready:
            self._items.append(item)
            self._ready.notify()
