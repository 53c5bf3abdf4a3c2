"""The orders stream: every order of a connection imported exactly once, within seconds.

``OrdersImporter`` polls ``GET /orders`` by ``updatedAtMin`` near-continuously (every
``CDLINK_SYNC_CONTINUOUS_SECONDS``), re-reading a look-back for late changes. Its windows adapt
(``window_policy``): a first import of a quiet shop is one window, a busy shop's are cut to about
2,000 orders by ``GET /orders/count``. Each window is read whole even while its orders change
under the pages (``cdlink.sync.engine.window_reads``): the live look-back newest first in one
pass, the others counted. Each
window's orders are saved (``cdlink.hub.orders.records.save_order``: older versions ignored, late
data merged) and bound, and the window joins the cursor, in one transaction
(``cdlink.sync.engine.importer``). An order the client cannot read (``page.rejected``) or the mapper
cannot keep is quarantined with its raw payload and the reason while the rest of the page imports.

In the same transaction, stock follows each order (``cdlink.sync.orders.stock``: reservations of
open lines, units taken at shipment) and the acceptance policy decides an order waiting for
acceptance that nobody has accepted or refused yet: ``always`` accepts it; ``in_stock`` accepts it
when the connection's available-to-sell covers every line (``cdlink.hub.orders.stock.coverage``,
counting as if the order held nothing yet), otherwise refuses it when ``auto_refuse`` is on, or
leaves it to the seller with the reasons on the order (``stock_issues``), checked again at each run
while it waits (``decide_waiting``). Automatic refusal refuses only shortages of managed SKUs, and
only orders imported since it was switched on (``cdlink.hub.orders.acceptance``); every automatic
decision is on the order's timeline with its reason.

An order read again by the look-back exactly as it is stored (same content hash, kept on its
binding, ``version``) is counted ``unchanged``: no write, no event, no stock work.

The connection's import filter (``cdlink.hub.orders.import_filters``) is applied here, not in the
marketplace query: a new order it does not admit is counted ``filtered`` and not imported, while
an order already imported keeps following the marketplace whatever its status becomes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cdlink.hub.orders.acceptance import (
    AUTOMATIC_ACCEPTANCE,
    Decision,
    decide,
    decides,
    record_decision,
    undecided,
)
from cdlink.hub.orders.actions import acceptance_policy, none_recorded_yet
from cdlink.hub.orders.import_filters import ImportFilter, import_filter
from cdlink.hub.orders.records import NewOrder, OrderDraft
from cdlink.hub.orders.stock import follow, follow_new, skus_of
from cdlink.hub.orders.sync_events import save_many_with_events
from cdlink.hub.stock.figures import chunks
from cdlink.octopia import MAXIMUM_PAGE_SIZE, OrderQuery, RejectedItem
from cdlink.octopia.models import Order as MarketplaceOrder
from cdlink.store.models import Binding, Order
from cdlink.sync.engine import quarantine
from cdlink.sync.engine.bindings import Binder
from cdlink.sync.engine.errors import RecordRejected
from cdlink.sync.engine.importer import Importer, Prepared
from cdlink.sync.engine.streams import LIVE, StreamContext
from cdlink.sync.engine.window_reads import WindowReader
from cdlink.sync.engine.windows import Expectation, Window, WindowPolicy
from cdlink.sync.orders.actions import request_actions
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import inventory

OrderRecord = MarketplaceOrder | RejectedItem
#: Who asked, on the actions the acceptance policy records.


class OrdersImporter(Importer[OrderRecord, OrderDraft]):
    """Imports the orders changed on the marketplace, window by window of ``updatedAt``."""

    name = "orders"
    kind = "order"
    default_interval = 10  # near-continuous; the scheduler uses CDLINK_SYNC_CONTINUOUS_SECONDS
    lane = LIVE  # new orders never wait behind a history import
    history = timedelta(days=30)
    lookback = timedelta(minutes=10)
    #: Most runs read only the last minute again; the whole look-back is read again once a
    #: minute (``cdlink.sync.engine.cursors``). Polled every 10 s with every run reading ten
    #: minutes again, a busy shop's orders were each read about 60 times, spending the call
    #: budget its acceptances share; now about 17 times.
    overlap = timedelta(minutes=1)  # the whole look-back: every ``lookback_every`` (a minute)
    window_size = timedelta(hours=6)
    #: A first import of a quiet shop reads its 30 days as one window (a count, its pages, a
    #: count); a busy shop's windows shrink to about 2,000 orders (20 pages) each.
    window_policy = WindowPolicy(initial=timedelta(days=30), maximum=timedelta(days=30))
    #: Orders a page asks for (the marketplace's most; tests ask for fewer to page sooner).
    page_size = MAXIMUM_PAGE_SIZE
    #: A dense window is dozens of pages spaced by the call budget: each is written while the
    #: next is waited for.
    read_ahead = True
    #: Orders written per transaction: a look-back of hundreds of changed orders holds the
    #: database's write lock (SQLite's only one) a fraction of a second at a time, so that the
    #: order actions and stock pushes recording their answers meanwhile are not kept waiting.
    batch_size = 200

    def __init__(self) -> None:
        self.import_filter = ImportFilter()

    def run(self, context: StreamContext) -> None:
        self.load_filter(context)
        super().run(context)
        self.decide_waiting(context)

    def decide_waiting(self, context: StreamContext) -> None:
        """Apply the acceptance policy again to the orders still waiting for a decision.

        An order read again unchanged is not written (``version``), so the policy no longer
        rides on re-imports: the orders waiting (few: the policy decides them as they come)
        are read here, and one the stock now covers is accepted."""
        with context.transaction() as session:
            waiting = undecided(session, context.connection_id)
            if not waiting:
                return
            stock = inventory(session, context.clock)
            decided = [
                (order, decision)
                for order in waiting
                if (decision := decide(session, order, stock)) is not None
            ]
            self.request_decided(session, context, decided, context.clock.now())
            if decided:
                context.count(decided=len(decided))

    def load_filter(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            self.import_filter = import_filter(session, context.connection_id)

    def import_record(
        self,
        session: Session,
        context: StreamContext,
        binder: Binder,
        record: OrderRecord,
        bindings: dict[str, Binding],
    ) -> str | Prepared[OrderDraft]:
        if self.filtered_out(record, bindings.get(self.external_id(record))):
            return "filtered"
        return super().import_record(session, context, binder, record, bindings)

    def import_records(
        self, session: Session, context: StreamContext, records: list[OrderRecord]
    ) -> Counter[str]:
        counts = super().import_records(session, context, records)
        # A version too broken to carry its id was quarantined under a key made from its
        # payload: the good version of the same order (same reference) clears it.
        quarantine.resolve_by_reference(
            session,
            connection_id=context.connection_id,
            stream=self.quarantine_stream,
            references=[
                record.reference
                for record in records
                if isinstance(record, MarketplaceOrder) and record.reference
            ],
            now=context.clock.now(),
        )
        return counts

    def filtered_out(self, record: OrderRecord, binding: Binding | None) -> bool:
        """A new order the connection's filter does not admit (a bound one always updates)."""
        if binding is not None or not isinstance(record, MarketplaceOrder):
            return False
        purchased_at = record.purchased_at or record.created_at
        return not self.import_filter.admits(str(record.status), purchased_at)

    def fetch(self, context: StreamContext, window: Window) -> Iterable[OrderRecord]:
        return self.window_reader(context).read(window)

    def fetch_expecting(
        self, context: StreamContext, window: Window, expectation: Expectation
    ) -> Iterable[OrderRecord]:
        return self.window_reader(context).read(window, expectation)

    def fetch_pages(
        self, context: StreamContext, window: Window, expectation: Expectation | None
    ) -> Iterator[list[OrderRecord]]:
        return self.window_reader(context).pages(window, expectation)

    def window_reader(self, context: StreamContext) -> WindowReader[MarketplaceOrder]:
        """Whole-window reads of ``GET /orders`` through the run's client (made here)."""
        orders = context.client().orders

        def query(part: Window) -> OrderQuery:
            return OrderQuery(updated_at_min=part.start, updated_at_max=part.end)

        return WindowReader(
            page=lambda part, index: orders.list_page(
                query(part), page_index=index, page_size=self.page_size
            ),
            count=lambda part: orders.count(query(part)),
            identify=self.external_id,
            page_size=self.page_size,
            newest=lambda start, index: orders.newest_page(
                start, page_index=index, page_size=self.page_size
            ),
            stamp=lambda order: order.updated_at,
        )

    def version(self, record: OrderRecord) -> str | None:
        """The hash of the order as the marketplace sent it (its ``updatedAt`` included)."""
        if isinstance(record, RejectedItem):
            return None
        return hashlib.sha256(record.model_dump_json().encode()).hexdigest()

    def external_id(self, record: OrderRecord) -> str:
        if isinstance(record, MarketplaceOrder):
            return record.order_id
        raw = record.raw
        order_id = raw.get("orderId") if isinstance(raw, dict) else None
        return order_id if isinstance(order_id, str) and order_id else quarantine.raw_key(raw)

    def map(self, record: OrderRecord) -> OrderDraft:
        if isinstance(record, RejectedItem):
            raise RecordRejected(f"unreadable order: {record.reason}")
        return order_draft(record)

    def write(
        self, session: Session, context: StreamContext, mapped: OrderDraft, local_id: str | None
    ) -> str:
        return self.write_many(session, context, [(mapped, local_id)])[0]

    def write_many(
        self,
        session: Session,
        context: StreamContext,
        records: list[tuple[OrderDraft, str | None]],
    ) -> list[str]:
        """Save a page of orders at once (``save_many_with_events``: one read, one flush, the new
        ones inserted together), then, order by order, the acceptance policy's decision and the
        stock each order holds (published once per SKU at the page's end), and last the page's
        decisions, recorded together."""
        now = context.clock.now()
        orders = save_many_with_events(
            session,
            context.connection_id,
            [(draft, None if local_id is None else int(local_id)) for draft, local_id in records],
            now,
            stream=self.name,
            run_id=context.run_id,
        )
        stock = inventory(session, context.clock)
        references = [order.marketplace_order_id for order in orders]
        stock.preload(context.connection_id, references, skus_of(orders))
        policy = acceptance_policy(session, context.connection_id)
        new = [order for order in orders if isinstance(order, NewOrder)]
        none_recorded_yet(session, [order.id for order in new])
        # The new orders the policy decides on are loaded with their lines in one query.
        loaded = load_orders(session, [o.id for o in new if decides(policy, o.status)])
        decided: list[tuple[Order, Decision]] = []
        # Each product the page's orders hold is published once, at the end of the page.
        with stock.deferred_publishing():
            for (draft, local_id), order in zip(records, orders, strict=True):
                if local_id is not None and order.id != int(local_id):
                    # The bound order was deleted locally: the binding follows the order saved
                    # again.
                    rebind(session, context, draft.marketplace_order_id, order.id)
                if isinstance(order, NewOrder) and order.id not in loaded:
                    follow_new(order, stock)  # nothing to decide: what is left is its stock
                    continue
                stored = order if isinstance(order, Order) else loaded[order.id]
                decision = decide(session, stored, stock, policy)
                if decision is not None:
                    decided.append((stored, decision))
                follow(stored, stock)
        self.request_decided(session, context, decided, now)
        return [str(order.id) for order in orders]

    def request_decided(
        self,
        session: Session,
        context: StreamContext,
        decided: list[tuple[Order, Decision]],
        now: datetime,
    ) -> None:
        """Queue the acceptance policy's decisions (recorded together) and put each on its
        order's timeline."""
        if not decided:
            return
        request_actions(
            session,
            [(order, decision.kind, decision.payload) for order, decision in decided],
            requested_by=AUTOMATIC_ACCEPTANCE,
            now=now,
        )
        for order, decision in decided:
            record_decision(session, order, decision, now, stream=self.name, run_id=context.run_id)

    def raw(self, record: OrderRecord) -> Any:
        # An unreadable item is kept as the marketplace sent it (decimals as their text).
        return super().raw(record.raw if isinstance(record, RejectedItem) else record)


def load_orders(session: Session, ids: list[int]) -> dict[int, Order]:
    """The orders of ``ids`` with their lines, by id, read in one query per chunk."""
    loaded: dict[int, Order] = {}
    for part in chunks(ids):
        query = select(Order).where(Order.id.in_(part)).options(selectinload(Order.lines))
        loaded.update((order.id, order) for order in session.scalars(query))
    return loaded


def rebind(
    session: Session, context: StreamContext, marketplace_order_id: str, order_id: int
) -> None:
    """Point the order's binding at ``order_id`` (bind it if it has none)."""
    binder = Binder(session, context.connection_id, context.clock)
    binding = binder.find("order", marketplace_order_id)
    if binding is None:
        binder.bind("order", marketplace_order_id, str(order_id))
    else:
        binding.local_id = str(order_id)
