"""Importers: streams that read marketplace records window by window and bind each one.

From where the cursor says to start up to now, an importer reads windows one after the other, their
lengths set by its ``WindowPolicy`` (``cdlink.sync.engine.windows``): a window grows while the ones
before it were sparse and shrinks when they were full, so a first import of a quiet shop reads its
30 days in one window and a busy shop's in windows of a few thousand records, each a handful of
whole pages. For each window, an importer fetches the records modified in it (remote calls,
outside any transaction; a reader that counts first may answer ``WindowTooFull`` instead, and a
shorter window is asked for), page by page (``fetch_pages``), and imports every record — resolve →
skip? → map → write → bind — in short transactions of at most ``batch_size`` records, each
committed as its pages arrive. Only once the read has proved the window whole (the reader ends
without error) and every batch is committed does the window join the cursor, in a transaction of
its own. A failure before that commit loses nothing (the window is read again, and the records of
the batches already committed are bound, so they become updates or ``unchanged``); a crash after
it repeats nothing but the look-back, which the bindings turn into updates. Keeping each
transaction short lets the other streams and the lease's renewal write meanwhile, and lets the work
a batch queues (an order's acceptance) start while the window is still being read. An importer
with ``read_ahead`` reads its pages in a thread of its own (``cdlink.sync.engine.read_ahead``), so
its writes overlap the waits of the call budget.

A subclass sets ``name``, ``kind`` and the window settings, and fills in ``fetch``,
``external_id``, ``map`` and ``write``; ``skip`` is optional, ``version`` lets a record read
again unchanged (the look-back) cost no write, ``fetch_expecting`` lets a reader use what the
policy expects of the window, and ``fetch_pages`` hands the records over page by page as they are
read.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.store.models import Binding
from cdlink.sync.engine import quarantine
from cdlink.sync.engine.bindings import Binder, raced
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.errors import RecordRejected
from cdlink.sync.engine.read_ahead import ReadAhead
from cdlink.sync.engine.runs import log
from cdlink.sync.engine.streams import Stream, StreamContext
from cdlink.sync.engine.windows import Expectation, Window, WindowPolicy, WindowTooFull

RecordT = TypeVar("RecordT")
MappedT = TypeVar("MappedT")


@dataclass(frozen=True)
class Prepared(Generic[MappedT]):
    """A record mapped and waiting to be written: its id, its local form, its binding (None:
    new) and its version."""

    external_id: str
    mapped: MappedT
    binding: Binding | None
    version: str | None


class Importer(Stream, Generic[RecordT, MappedT]):
    """A stream that imports marketplace records in windows of modification time."""

    #: The binding kind of the imported objects, e.g. "order".
    kind: ClassVar[str]
    #: How far back the very first run reads.
    history: ClassVar[timedelta] = timedelta(days=30)
    #: How much of the already-read past each run reads again, for late changes.
    lookback: ClassVar[timedelta] = timedelta(minutes=10)
    #: None: every run reads the whole look-back again. Otherwise most runs read only this much
    #: again, and the whole look-back every ``lookback_every`` (``cdlink.sync.engine.cursors``).
    overlap: ClassVar[timedelta | None] = None
    lookback_every: ClassVar[timedelta] = timedelta(minutes=1)
    #: The longest window fetched at once.
    window_size: ClassVar[timedelta] = timedelta(days=1)
    #: How windows grow and shrink; None: from ``window_size`` down to a second, 2,000 records
    #: a window (``policy()``).
    window_policy: ClassVar[WindowPolicy | None] = None
    #: The most records imported in one transaction.
    batch_size: ClassVar[int] = 500
    #: Whether a window's pages are read in a thread of their own while the run's thread writes
    #: the pages already read (``fetch_pages``, ``cdlink.sync.engine.read_ahead``).
    read_ahead: ClassVar[bool] = False

    def cursor(self, context: StreamContext) -> Cursor:
        return self.cursor_for(context.connection_id)

    def cursor_for(self, connection_id: int) -> Cursor:
        return Cursor(
            connection_id,
            self.name,
            history=self.history,
            lookback=self.lookback,
            size=self.window_size,
            overlap=self.overlap,
            lookback_every=self.lookback_every,
        )

    def policy(self) -> WindowPolicy:
        """The stream's window policy (see ``window_policy``)."""
        if self.window_policy is not None:
            return self.window_policy
        return WindowPolicy(initial=self.window_size, maximum=self.window_size)

    def run(self, context: StreamContext) -> None:
        cursor = self.cursor(context)
        now = context.clock.now()
        with context.database.reading() as session:
            whole = cursor.lookback_due(session, now)
            stretch = cursor.span(session, now, whole=whole)
        if stretch is None:
            return
        policy = self.policy()
        start, size, density = stretch.start, policy.initial, None
        while start < stretch.end:
            context.check_stop()  # between two committed windows: nothing is left half-done
            window = Window(start, min(start + size, stretch.end))
            expectation = policy.expect(window, density)
            if window.end == stretch.end:
                expectation = replace(expectation, open_ended=True)
            try:
                read = self.import_window(context, cursor, window, expectation)
            except WindowTooFull as full:
                size = policy.cut(window, full.count)  # nothing of it was committed
                density = full.count / max(window.length.total_seconds(), 1e-6)
                continue
            size = policy.next_size(window, read)
            density = read / max(window.length.total_seconds(), 1e-6)
            start = window.end
        if whole and cursor.overlap is not None:  # read whole: the next runs need only overlap
            with context.transaction() as session:
                cursor.lookback_read(session, now)

    def import_window(
        self,
        context: StreamContext,
        cursor: Cursor,
        window: Window,
        expectation: Expectation | None = None,
    ) -> int:
        """Read one window page by page and import what is read in batches, each committed as
        it comes; once the read has proved the window whole and every batch is committed, the
        window joins the cursor (with the last batch when it was read by then). Returns how
        many records the window held."""
        pages = self.fetch_pages(context, window, expectation)
        held: set[str] = set()
        joined = False
        with ReadAhead(pages, name=f"{self.name}-read-ahead", thread=self.read_ahead) as read:
            for batch, last in self.batches(read):
                held.update(self.import_batch(context, window, batch, cursor if last else None))
                joined = last
        if not joined:
            with context.transaction() as session:
                cursor.complete(session, window, context.clock.now())
            context.made_progress()
        context.count(windows=1)
        return len(held)

    def batches(self, read: ReadAhead[list[RecordT]]) -> Iterator[tuple[list[RecordT], bool]]:
        """The records read, in batches of at most ``batch_size``, each with whether it is the
        last of a read already known whole. A batch takes a page and the pages already read
        behind it: it is written as soon as a page arrives, and grows when the writes fall
        behind the reads."""
        for page in read:
            waiting = list(page)
            while len(waiting) < self.batch_size and (more := read.ready()) is not None:
                waiting.extend(more)
            while waiting:
                batch, waiting = waiting[: self.batch_size], waiting[self.batch_size :]
                yield batch, not waiting and read.finished()

    def import_batch(
        self,
        context: StreamContext,
        window: Window,
        batch: list[RecordT],
        cursor: Cursor | None = None,
    ) -> list[str]:
        """Import ``batch`` in one transaction of its own, in which ``window`` joins ``cursor``
        when given (the last batch); returns the external ids the batch held."""
        try:
            with context.transaction() as session:
                counts = self.import_records(session, context, batch)
                if cursor is not None:
                    cursor.complete(session, window, context.clock.now())
        except IntegrityError as error:
            # Another stream saved one of these records meanwhile: the window is read again.
            raise raced(error, f"a {self.kind} of {window.start}..{window.end}") from error
        context.count(**counts)
        context.made_progress()
        return [self.external_id(record) for record in batch]

    def import_records(
        self, session: Session, context: StreamContext, records: list[RecordT]
    ) -> Counter[str]:
        """Import ``records`` in the caller's transaction; returns what happened to them.

        Each record is prepared (resolve → skip? → unchanged? → map), then the prepared ones are
        written together (``write_many``: one flush for the lot) and bound. A record listed
        again before its first version is written waits: what is prepared so far is written
        first, so the second version finds the first one bound and updates it."""
        counts: Counter[str] = Counter()
        binder = Binder(session, context.connection_id, context.clock)
        bindings = binder.find_many(self.kind, map(self.external_id, records))
        imported: list[str] = []
        pending: list[Prepared[MappedT]] = []
        waiting: set[str] = set()  # the external ids in ``pending``
        for record in records:
            external_id = self.external_id(record)
            if external_id in waiting:
                self.write_prepared(
                    session, context, binder, pending, bindings=bindings, counts=counts
                )
                waiting.clear()
            outcome = self.import_record(session, context, binder, record, bindings)
            if isinstance(outcome, Prepared):
                pending.append(outcome)
                waiting.add(external_id)
            else:
                counts[outcome] += 1
            if outcome != "rejected":
                imported.append(external_id)
        self.write_prepared(session, context, binder, pending, bindings=bindings, counts=counts)
        binder.flush()
        quarantine.resolve(
            session,
            connection_id=context.connection_id,
            stream=self.quarantine_stream,
            external_ids=imported,
            now=context.clock.now(),
        )
        return counts

    @property
    def quarantine_stream(self) -> str:
        """Under which stream's name this importer's rejected records are quarantined."""
        return self.name

    def import_record(
        self,
        session: Session,
        context: StreamContext,
        binder: Binder,
        record: RecordT,
        bindings: dict[str, Binding],
    ) -> str | Prepared[MappedT]:
        """resolve → skip? → unchanged? → map; returns what happened, for the counts, or the
        record prepared for ``write_prepared`` (write → bind).

        ``bindings`` holds the window's bindings found so far; ``write_prepared`` adds the new
        ones to it, so a record listed twice in one window is updated the second time, not
        bound twice.
        """
        external_id = self.external_id(record)
        binding = bindings.get(external_id)
        if self.skip(record, binding):
            return "skipped"
        version = self.version(record)
        if version is not None and binding is not None and binding.payload_hash == version:
            return "unchanged"  # the look-back read again what is stored: no write, no event
        try:
            mapped = self.map(record)
        except RecordRejected as rejected:
            raw = rejected.raw if rejected.raw is not None else self.raw(record)
            self.reject(session, context, external_id, rejected, raw)
            return "rejected"
        return Prepared(external_id, mapped, binding, version)

    def write_prepared(
        self,
        session: Session,
        context: StreamContext,
        binder: Binder,
        pending: list[Prepared[MappedT]],
        *,
        bindings: dict[str, Binding],
        counts: Counter[str],
    ) -> None:
        """write → bind the records prepared so far (``pending``, emptied), counted in
        ``counts``."""
        if not pending:
            return
        local_ids = self.write_many(
            session,
            context,
            [
                (prepared.mapped, prepared.binding.local_id if prepared.binding else None)
                for prepared in pending
            ],
        )
        for prepared, local_id in zip(pending, local_ids, strict=True):
            if prepared.binding is None:
                bindings[prepared.external_id] = binder.bind(
                    self.kind,
                    prepared.external_id,
                    local_id,
                    payload_hash=prepared.version,
                    flush=False,
                )
                counts["created"] += 1
            else:
                binder.touch(prepared.binding, payload_hash=prepared.version)
                counts["updated"] += 1
        pending.clear()

    def reject(
        self,
        session: Session,
        context: StreamContext,
        external_id: str,
        error: RecordRejected,
        raw: Any,
    ) -> None:
        """Quarantine a record that cannot be imported; tell the seller the first time."""
        now = context.clock.now()
        news = quarantine.keep(
            session,
            connection_id=context.connection_id,
            stream=self.quarantine_stream,
            external_id=external_id,
            reason=str(error),
            raw=raw,
            now=now,
        )
        if not news:
            return  # read again by the look-back: already quarantined and reported
        log(
            session,
            connection_id=context.connection_id,
            kind="sync.record_rejected",
            level="warning",
            message=f"{self.name}: {self.kind} {external_id} was not imported: {error}",
            now=now,
            details={"external_id": external_id, "run_id": context.run_id},
        )

    def raw(self, record: RecordT) -> Any:
        """The record as JSON-able data, for the quarantine (pydantic models are dumped)."""
        dump = getattr(record, "model_dump", None)
        if callable(dump):
            return dump(mode="json", by_alias=True)
        if isinstance(record, dict | list | str | int | float | bool) or record is None:
            # Through JSON and back: dates and decimals become text the JSON column can hold.
            return json.loads(json.dumps(record, default=str))
        return repr(record)

    @abstractmethod
    def fetch(self, context: StreamContext, window: Window) -> Iterable[RecordT]:
        """The records modified in ``window`` (every page). Called outside any transaction."""

    def fetch_expecting(
        self, context: StreamContext, window: Window, expectation: Expectation
    ) -> Iterable[RecordT]:
        """``fetch``, knowing what the window should hold; a reader that counts the window
        first raises ``WindowTooFull`` when it holds more than ``expectation.limit``."""
        return self.fetch(context, window)

    def fetch_pages(
        self, context: StreamContext, window: Window, expectation: Expectation | None
    ) -> Iterator[list[RecordT]]:
        """The records of ``window`` page by page as they are read, ending once the read is
        known whole; a record may come again in a later page, at the same or a newer version.
        Called in the run's thread (make the client here), iterated in a thread of its own when
        ``read_ahead``. By default ``fetch`` (``fetch_expecting``), called now, as one page."""
        if expectation is None:
            records = list(self.fetch(context, window))
        else:
            records = list(self.fetch_expecting(context, window, expectation))
        return iter([records])

    @abstractmethod
    def external_id(self, record: RecordT) -> str:
        """The marketplace's id of the record."""

    @abstractmethod
    def map(self, record: RecordT) -> MappedT:
        """Translate the record (pure); raise ``RecordRejected`` if it cannot be."""

    @abstractmethod
    def write(
        self, session: Session, context: StreamContext, mapped: MappedT, local_id: str | None
    ) -> str:
        """Create (``local_id`` is None) or update the local record; return its local id."""

    def write_many(
        self,
        session: Session,
        context: StreamContext,
        records: list[tuple[MappedT, str | None]],
    ) -> list[str]:
        """``write`` for each (mapped record, local id or None), in order; returns their local
        ids. An importer whose writes can share their statements (one flush for a page)
        overrides it."""
        return [self.write(session, context, mapped, local_id) for mapped, local_id in records]

    def version(self, record: RecordT) -> str | None:
        """A hash of what the record says (its modification time included), kept on its
        binding: a record read again with the version its binding holds is ``unchanged`` and
        not written again. None (the default): every read is written."""
        return None

    def skip(self, record: RecordT, binding: Binding | None) -> bool:
        """Whether the record needs no import (e.g. unchanged since the bound version)."""
        return False
