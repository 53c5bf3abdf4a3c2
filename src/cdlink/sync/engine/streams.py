"""Streams: one kind of data of one connection, run as a short, idempotent job.

A stream is a class with a unique ``name`` registered in a ``StreamRegistry``. Its ``run`` is
given a ``StreamContext`` and works in small steps, each in its own short transaction opened with
``context.transaction()`` (which checks the run still holds the stream's lease). A run may be
stopped at any point (a crash, a SIGKILL) and run again, by this worker or another: whatever was
committed stays, whatever was not is done again, and bindings make doing it again harmless.

Most streams derive from ``Importer`` (``cdlink.sync.engine.importer``: windows of modification
times read from the marketplace) or ``OutboxExporter`` (``cdlink.sync.engine.exporter``: pending
writes pushed to the marketplace), and only fill in their steps.

Shutting down (SIGTERM) sets the context's ``stopping`` event: every wait of a run
(``context.pause``) ends at once and the templates call ``context.check_stop()`` between steps,
which raises ``RunStopped``; the runner records the run as stopped and asks for the stream again.

A stream's ``lane`` says which worker threads (embedded) or queue (distributed) run it: ``live``
for short runs a seller waits for (new orders, order actions), ``bulk`` for the rest, so that the
live ones never wait behind a long history import (``cdlink.jobs.lanes``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import ConfigurationError
from cdlink.octopia import OctopiaClient
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.engine.errors import RunStopped, UnknownStream
from cdlink.sync.engine.leases import Lease

#: Builds the marketplace client of a connection; the runtime decides which token and budget
#: stores its clients share (``cdlink.jobs.marketplace``).
ClientFactory = Callable[[Connection], OctopiaClient]

PageT = TypeVar("PageT")

#: The lanes of streams: ``live`` runs on reserved workers, ``bulk`` on the others.
LIVE, BULK = "live", "bulk"


@dataclass
class StreamContext:
    """What one run of one stream works with."""

    connection_id: int
    stream: str
    database: Database
    clock: Clock
    lease: Lease
    run_id: int
    counts: Counter[str] = field(default_factory=Counter)
    clients: ClientFactory | None = None
    #: Whether the run committed work (a window read, a write confirmed); see ``made_progress``.
    progressed: bool = False
    #: Set when the process shuts down: waits end and the next ``check_stop`` stops the run.
    stopping: threading.Event = field(default_factory=threading.Event)
    _client: OctopiaClient | None = field(default=None, init=False, repr=False)

    def made_progress(self) -> None:
        """Note committed work: a failure after it starts a new streak of failures, so a stream
        that keeps moving under a flaky marketplace is never declared dead.
        """
        self.progressed = True

    def client(self) -> OctopiaClient:
        """The marketplace client of this run's connection, built on first use, closed after."""
        if self._client is None:
            if self.clients is None:
                raise ConfigurationError(
                    "this runtime was started without marketplace clients",
                    hint="Run streams with `cdlink serve`, `cdlink worker` or `cdlink sync run`.",
                )
            with self.database.reading() as session:
                connection = session.get_one(Connection, self.connection_id)
            self._client = self.clients(connection)
        return self._client

    def close(self) -> None:
        """Close the marketplace client, if the run made one."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A short write transaction, fenced by the lease: it commits only if the lease is ours."""
        with self.database.session() as session:
            self.lease.fence(session)
            yield session

    def check_stop(self) -> None:
        """Raise ``RunStopped`` if the process is shutting down; call it between two steps."""
        if self.stopping.is_set():
            raise RunStopped(f"{self.stream}: stopped for the shutdown, resumes at the next start")

    def until_stopped(self, pages: Iterable[PageT]) -> Iterator[PageT]:
        """``pages`` (a marketplace listing), checking for the shutdown before fetching the next."""
        for page in pages:
            yield page
            self.check_stop()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less when the process shuts down (then ``RunStopped``)."""
        self.stopping.wait(seconds)
        self.check_stop()

    def count(self, **amounts: int) -> None:
        """Add to the run's counts (call it after the commit the counts describe)."""
        self.counts.update(amounts)


class Stream(ABC):
    """One kind of data of one connection; see the module docstring for the contract."""

    #: Unique name, used in schedules, queue messages, logs and the UI ("orders", "stock").
    name: ClassVar[str]
    #: Seconds between scheduled runs by default; None: runs only on events and on demand.
    default_interval: ClassVar[int | None] = 900
    #: Whether this stream drains the outbox (a new entry for it asks for a run).
    drains_outbox: ClassVar[bool] = False
    #: ``LIVE`` for short runs a seller waits for; ``BULK`` (long or background) otherwise.
    lane: ClassVar[str] = BULK

    @abstractmethod
    def run(self, context: StreamContext) -> None:
        """Do the work in small committed steps; counts go to ``context.count``.

        Must be idempotent: it can be interrupted anywhere and run again.
        """


StreamT = TypeVar("StreamT", bound=type[Stream])


class StreamRegistry:
    """The stream kinds cdlink knows, by name."""

    def __init__(self, streams: Iterable[type[Stream]] = ()) -> None:
        self._streams: dict[str, Callable[[], Stream]] = {}
        self._classes: dict[str, type[Stream]] = {}
        for stream_class in streams:
            self.register(stream_class)

    def register(self, stream_class: StreamT) -> StreamT:
        """Register a stream class (usable as a class decorator); names must be unique."""
        name = stream_class.name
        if name in self._classes and self._classes[name] is not stream_class:
            raise ValueError(f"a stream named {name!r} is already registered")
        self._classes[name] = stream_class
        self._streams[name] = stream_class
        return stream_class

    def create(self, name: str) -> Stream:
        if name not in self._streams:
            known = ", ".join(sorted(self._streams)) or "none"
            raise UnknownStream(f"no stream named {name!r} (known: {known})")
        return self._streams[name]()

    def stream_class(self, name: str) -> type[Stream]:
        self.create(name)  # the same error for an unknown name
        return self._classes[name]

    def names(self) -> list[str]:
        return sorted(self._classes)

    def lane(self, name: str) -> str:
        """The lane of stream ``name`` (``BULK`` for a name no longer registered)."""
        stream_class = self._classes.get(name)
        return stream_class.lane if stream_class is not None else BULK

    def __contains__(self, name: object) -> bool:
        return name in self._classes
