"""The ``orders_history`` stream: initial imports of past orders, resumable after any crash.

A seller asks for the orders bought in a date range (``cdlink.hub.orders.initial_imports``). This
stream takes the connection's running (else oldest queued) import, asks the marketplace how many
orders the range holds (``GET /orders/count``), then reads it in windows of creation time
(``createdAtMin``/``createdAtMax``) sized from that count to about 2,000 orders each, growing over
quiet stretches and shrinking over busy ones (``window_policy``). Each window's orders are imported
exactly as the ``orders`` stream imports them (bindings, older versions ignored, the connection's
filter, quarantine) and, in the SAME transaction, the import's progress moves on (``done``,
``reached``). A crash or a kill loses at most the window being read; the next run (every minute, or
at once when asked) starts at ``reached``, and the bindings make a re-read window an update, never
a duplicate."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.hub.orders import initial_imports
from cdlink.hub.orders.import_filters import set_import_filter
from cdlink.hub.orders.records import OrderDraft
from cdlink.octopia import OrderQuery
from cdlink.octopia.models import Order as MarketplaceOrder
from cdlink.store.models import InitialImport
from cdlink.sync.engine.bindings import raced
from cdlink.sync.engine.errors import RetryLater
from cdlink.sync.engine.read_ahead import ReadAhead
from cdlink.sync.engine.runs import log
from cdlink.sync.engine.schedules import request_run, retry_dead
from cdlink.sync.engine.streams import BULK, StreamContext
from cdlink.sync.engine.windows import Window, WindowPolicy
from cdlink.sync.orders.stream import OrderRecord, OrdersImporter

logger = logging.getLogger(__name__)
STREAM = "orders_history"
#: Failures in a row after which an import is marked failed (a person resumes it).
MAXIMUM_FAILURES = 8
#: The API's time filters include their upper bound; windows are half-open.
_JUST_BEFORE = timedelta(milliseconds=1)


class OrdersHistoryImporter(OrdersImporter):
    """Works through the connection's initial imports; see the module docstring."""

    name = STREAM
    default_interval = 60  # picks up a queued import, or one a crash interrupted
    #: Orders per transaction: a window of thousands in one would hold SQLite's write lock for
    #: seconds, and new orders, the scheduler and the lease renewals would wait behind it.
    batch_size = 100
    lane = BULK  # hours of orders: never in the way of the live orders stream
    window_size = timedelta(hours=6)
    #: The first window is the range's share of 2,000 orders by its count; then each window
    #: grows or shrinks with what the one before held (windows of ``createdAt`` never change
    #: under the pages, so they need no count of their own).
    window_policy = WindowPolicy(initial=timedelta(hours=6), maximum=timedelta(days=31))

    def __init__(self) -> None:
        super().__init__()
        self.customers = True

    @property
    def quarantine_stream(self) -> str:
        return OrdersImporter.name  # the same orders, the same quarantine as the live stream

    def run(self, context: StreamContext) -> None:
        self.load_filter(context)
        with context.database.reading() as session:
            found = initial_imports.next_import(session, context.connection_id)
            import_id = found.id if found is not None else None
        if import_id is None:
            return
        try:
            self.work(context, import_id)
        except Exception as error:
            self.record_failure(context, import_id, error)
            raise

    def work(self, context: StreamContext, import_id: int) -> None:
        start, end, total, first = self.begin(context, import_id)
        policy = self.policy()
        size = self.first_size(policy, end - first, total)
        while start < end:
            context.check_stop()  # each window commits with the import's progress
            window = Window(start, min(start + size, end))
            read = self.import_history_window(context, import_id, window)
            if read is None:
                return  # cancelled meanwhile: what was committed stays
            size = policy.next_size(window, read)
            start = window.end
        self.finish(context, import_id)

    @staticmethod
    def first_size(policy: WindowPolicy, length: timedelta, total: int) -> timedelta:
        """The first window: the range's share of ``policy.target`` of its ``total`` orders
        (orders are rarely spread evenly; the next windows follow what they find)."""
        if total <= 0:
            return policy.maximum
        return policy.clamp(length * (policy.target / total))

    def begin(
        self, context: StreamContext, import_id: int
    ) -> tuple[datetime, datetime, int, datetime]:
        """Count the range on the first run, mark the import running; returns what is left
        (from, to), the range's count and its first instant."""
        with context.database.reading() as session:
            record = session.get_one(InitialImport, import_id)
            total, first, last = record.total, record.created_from, record.created_to
        if total is None:
            query = OrderQuery(created_at_min=first, created_at_max=last - _JUST_BEFORE)
            total = context.client().orders.count(query)
        now = context.clock.now()
        with context.transaction() as session:
            record = session.get_one(InitialImport, import_id, with_for_update=True)
            if record.total is None:
                record.total = total
            if record.state == initial_imports.QUEUED:
                record.state, record.started_at = initial_imports.RUNNING, now
            record.updated_at = now
            self.customers = record.customers
            left = record.reached or record.created_from
            return left, record.created_to, record.total or 0, record.created_from

    def import_history_window(
        self, context: StreamContext, import_id: int, window: Window
    ) -> int | None:
        """Import one window in batches, each committed as its pages arrive (read ahead in a
        thread while the batch before is written); the last one moves the import on. Returns
        the orders the window held, None if the import was cancelled.

        Stopped or killed between two batches, the import has not reached the window's end:
        the window is read again, and the orders of the committed batches are already bound.
        """
        counts: Counter[str] = Counter()
        held, reached = 0, False
        pages = self.history_pages(context, window)
        try:
            with ReadAhead(pages, name=f"{self.name}-read-ahead", thread=self.read_ahead) as read:
                for batch, last in self.batches(read):
                    if held:
                        context.check_stop()
                    held += len(batch)
                    found = self._import_batch(
                        context, import_id, batch, window, held if last else None
                    )
                    if found is None:
                        return None
                    counts.update(found)
                    reached = last
            if not reached:  # the read ended after its last batch was written (or held nothing)
                found = self._import_batch(context, import_id, [], window, held)
                if found is None:
                    return None
        except IntegrityError as error:
            # The live orders stream saved one of these orders meanwhile: read the window again.
            raise raced(error, f"an order of {window.start}..{window.end}") from error
        context.count(windows=1, **counts)
        return held

    def _import_batch(
        self,
        context: StreamContext,
        import_id: int,
        batch: list[OrderRecord],
        window: Window,
        done: int | None,
    ) -> Counter[str] | None:
        """One batch in one transaction; with ``done`` (the last batch) the window is reached.
        None when the import was cancelled meanwhile."""
        with context.transaction() as session:
            record = session.get_one(InitialImport, import_id, with_for_update=True)
            if record.state not in initial_imports.UNFINISHED:
                return None
            counts = self.import_records(session, context, batch)
            record.imported += counts["created"]
            record.updated_at = context.clock.now()
            if done is not None:
                record.done += done
                record.reached = window.end
                record.failures, record.error = 0, None
        return counts

    def history_pages(self, context: StreamContext, window: Window) -> Iterator[list[OrderRecord]]:
        """The orders created in ``window``, a page at a time. The client is made here, in the
        run's thread: the pages may be read in a thread of their own (``ReadAhead``)."""
        query = OrderQuery(created_at_min=window.start, created_at_max=window.end - _JUST_BEFORE)
        listing = context.until_stopped(context.client().orders.list_pages(query))
        return (
            [*(item for item in page.items if _created_in(item, window)), *page.rejected]
            for page in listing
        )

    def version(self, record: OrderRecord) -> str | None:
        """An import without customers stores another version than the live stream's."""
        version = super().version(record)
        return version if version is None or self.customers else f"{version[:56]}-nobody"

    def map(self, record: OrderRecord) -> OrderDraft:
        draft = super().map(record)
        if self.customers:
            return draft
        return dataclasses.replace(
            draft,
            customer_name=None,
            customer_email=None,
            billing_address=None,
            shipping_address=None,
        )

    def finish(self, context: StreamContext, import_id: int) -> None:
        now = context.clock.now()
        with context.transaction() as session:
            record = session.get_one(InitialImport, import_id, with_for_update=True)
            if record.state not in initial_imports.UNFINISHED:
                return
            record.state, record.finished_at, record.updated_at = initial_imports.DONE, now, now
            log(
                session,
                connection_id=context.connection_id,
                kind="orders.history_imported",
                message=f"initial import {import_id}: {record.done} orders read, "
                f"{record.imported} new",
                now=now,
                details={"import_id": import_id, "total": record.total, "done": record.done},
            )

    def record_failure(self, context: StreamContext, import_id: int, error: Exception) -> None:
        """Keep the error on the import; after too many in a row it is failed (resumable)."""
        if isinstance(error, RetryLater) or context.stopping.is_set():
            return  # a race, a lost lease or the shutdown: not the import's failure
        now = context.clock.now()
        try:
            with context.database.session() as session:
                record = session.get_one(InitialImport, import_id)
                if record.state not in initial_imports.UNFINISHED:
                    return
                record.failures += 1
                record.error = f"{type(error).__name__}: {error}"
                record.updated_at = now
                if record.failures >= MAXIMUM_FAILURES:
                    record.state, record.finished_at = initial_imports.FAILED, now
        except Exception:
            # The database itself may be what failed: the run's own failure is what matters.
            logger.warning("could not record the failure of import %s", import_id, exc_info=True)


def _created_in(order: MarketplaceOrder, window: Window) -> bool:
    created = order.created_at
    return created is None or window.start <= created < window.end


def change_import_filter(
    session: Session,
    connection_id: int,
    statuses: Iterable[str] | None,
    purchased_from: datetime | None,
    *,
    requested_by: str | None,
    now: datetime,
) -> InitialImport | None:
    """Store the connection's import filter; when it now admits orders it kept out, queue an
    import of the past the live stream has read (from the filter's first purchase date, else
    from where that stream started), so those orders come in. Returns that import, if any.
    """
    before, after = set_import_filter(session, connection_id, statuses, purchased_from, now)
    if not before.widened_by(after):
        return None
    finished = OrdersImporter().cursor_for(connection_id).finished(session)
    if not finished:
        return None  # the live stream has not read anything yet: its first run reads with it
    start = after.purchased_from or finished[0].start
    start = max(start, now - initial_imports.MAXIMUM_HISTORY)
    record = initial_imports.start_import(
        session, connection_id, start, now, customers=True, requested_by=requested_by, now=now
    )
    request_run(session, connection_id, STREAM, now=now, trigger="event")
    return record


def request_history_import(
    session: Session,
    connection_id: int,
    first: date,
    last: date,
    *,
    customers: bool,
    requested_by: str | None,
    now: datetime,
    today: date | None = None,
) -> InitialImport:
    """Check the days, then resume the unfinished import of this very range or queue a new
    one, and ask the engine to run it now. ``today`` is the seller's date (their time zone may
    be a day ahead of UTC); UTC's by default. Raises ``InitialImportError``."""
    start, end = initial_imports.day_range(first, last, today or now.date())
    record = initial_imports.find_unfinished(session, connection_id, start, end)
    if record is None:
        record = initial_imports.start_import(
            session,
            connection_id,
            start,
            end,
            customers=customers,
            requested_by=requested_by,
            now=now,
        )
    request_run(session, connection_id, STREAM, now=now, trigger="manual")
    return record


def retry_history_import(session: Session, record: InitialImport, now: datetime) -> None:
    """A person resumes a failed import: from its last committed window, at once."""
    initial_imports.resume_import(record, now)
    retry_dead(session, record.connection_id, STREAM, now=now)
