"""Importers: streams that read marketplace records window by window and bind each one.

For each window the cursor plans, an importer fetches the records modified in it (a remote call,
outside any transaction), then in ONE short transaction imports every record — resolve → skip? →
map → write → bind — and marks the window finished on the cursor. A crash before the commit loses
nothing (the window is read again); a crash after it repeats nothing but the look-back, which the
bindings turn into updates.

A subclass sets ``name``, ``kind`` and the window settings, and fills in ``fetch``,
``external_id``, ``map`` and ``write``; ``skip`` is optional.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.orm import Session

from cdlink.store.models import Binding
from cdlink.sync.bindings import Binder
from cdlink.sync.cursors import Cursor
from cdlink.sync.errors import RecordRejected
from cdlink.sync.runs import log
from cdlink.sync.streams import Stream, StreamContext
from cdlink.sync.windows import Window

RecordT = TypeVar("RecordT")
MappedT = TypeVar("MappedT")


class Importer(Stream, Generic[RecordT, MappedT]):
    """A stream that imports marketplace records in windows of modification time."""

    #: The binding kind of the imported objects, e.g. "order".
    kind: ClassVar[str]
    #: How far back the very first run reads.
    history: ClassVar[timedelta] = timedelta(days=30)
    #: How much of the already-read past each run reads again, for late changes.
    lookback: ClassVar[timedelta] = timedelta(minutes=10)
    #: The longest window fetched (and committed) at once.
    window_size: ClassVar[timedelta] = timedelta(days=1)

    def cursor(self, context: StreamContext) -> Cursor:
        return Cursor(
            context.connection_id,
            self.name,
            history=self.history,
            lookback=self.lookback,
            size=self.window_size,
        )

    def run(self, context: StreamContext) -> None:
        cursor = self.cursor(context)
        with context.database.reading() as session:
            windows = cursor.plan(session, context.clock.now())
        for window in windows:
            self.import_window(context, cursor, window)

    def import_window(self, context: StreamContext, cursor: Cursor, window: Window) -> None:
        """Fetch one window, then import it and advance the cursor in one transaction."""
        records = list(self.fetch(context, window))
        counts: Counter[str] = Counter()
        with context.transaction() as session:
            binder = Binder(session, context.connection_id, context.clock)
            bindings = binder.find_many(self.kind, map(self.external_id, records))
            for record in records:
                counts[self.import_record(session, context, binder, record, bindings)] += 1
            binder.flush()
            cursor.complete(session, window, context.clock.now())
        context.count(windows=1, **counts)

    def import_record(
        self,
        session: Session,
        context: StreamContext,
        binder: Binder,
        record: RecordT,
        bindings: dict[str, Binding],
    ) -> str:
        """resolve → skip? → map → write → bind; returns what happened, for the counts.

        ``bindings`` holds the window's bindings found so far; new ones are added to it, so a
        record listed twice in one window is updated the second time, not bound twice.
        """
        external_id = self.external_id(record)
        binding = bindings.get(external_id)
        if self.skip(record, binding):
            return "skipped"
        try:
            mapped = self.map(record)
        except RecordRejected as rejected:
            self.reject(session, context, external_id, rejected)
            return "rejected"
        local_id = self.write(session, context, mapped, binding.local_id if binding else None)
        if binding is None:
            bindings[external_id] = binder.bind(self.kind, external_id, local_id, flush=False)
            return "created"
        binder.touch(binding)
        return "updated"

    def reject(
        self, session: Session, context: StreamContext, external_id: str, error: RecordRejected
    ) -> None:
        """Keep a record that cannot be mapped out of the way, and say why in the activity log."""
        log(
            session,
            connection_id=context.connection_id,
            kind="sync.record_rejected",
            level="warning",
            message=f"{self.name}: {self.kind} {external_id} was not imported: {error}",
            now=context.clock.now(),
            details={"external_id": external_id, "run_id": context.run_id},
        )

    @abstractmethod
    def fetch(self, context: StreamContext, window: Window) -> Iterable[RecordT]:
        """The records modified in ``window`` (every page). Called outside any transaction."""

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

    def skip(self, record: RecordT, binding: Binding | None) -> bool:
        """Whether the record needs no import (e.g. unchanged since the bound version)."""
        return False
