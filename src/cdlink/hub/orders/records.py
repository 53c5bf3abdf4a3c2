"""Orders in the back office: the one place that writes the ``orders`` tables from imported data.

An importer hands ``save_order`` an ``OrderDraft`` (built from the marketplace's order by a pure
mapper in ``cdlink.sync.orders.mapping``). Saving is an upsert with three rules:

- an older version never overwrites a newer one: a draft whose ``updated_at`` is before the
  stored one is ignored (pages and look-backs can deliver versions out of order);
- late data is merged, never erased: a field the marketplace sends only in later states (the
  shipping address appears at ``InPreparation``) keeps its known value when a version lacks it;
- every change of status, of the order or of a line, is added to the order's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, bindparam, insert, select
from sqlalchemy.orm import Session, selectinload

from cdlink.hub.orders.stock import OPEN, SHIPPED_STATUSES, state_of
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import Order, OrderLine, OrderStatusEvent

#: How long an order may wait for acceptance before the marketplace cancels it. The real delay
#: is not documented (reference §6.2); this is the sandbox's, and the deadline shown is an estimate.
ACCEPTANCE_WINDOW = timedelta(days=2)
#: When Cdiscount sends no shipping deadline (neither the order's nor a line's ``shippedAtMax``),
#: cdlink's estimate: a usual preparation time after the estimated acceptance deadline. It is
#: marked as an estimate and replaced by the marketplace's as soon as a version carries one.
SHIPPING_ESTIMATE = timedelta(days=2)

#: Statuses in which the seller must still accept or refuse the order.
AWAITING_ACCEPTANCE = "WaitingAcceptance"


@dataclass(frozen=True)
class LineDraft:
    """One order line as imported."""

    line_id: str
    status: str | None
    quantity: int
    unit_price: Decimal
    shipping_cost: Decimal
    total_amount: Decimal
    seller_sku: str | None = None
    product_id: str | None = None
    product_title: str | None = None
    gtin: str | None = None
    supply_mode: str | None = None
    commission_amount: Decimal | None = None
    commission_amount_without_vat: Decimal | None = None
    commission_rate: Decimal | None = None
    taxes: list[dict[str, Any]] = field(default_factory=list)
    shipping_deadline: datetime | None = None
    # The marketplace's delivery mode code or name (THD, TRK, RelayDelivery…).
    delivery_mode: str | None = None


@dataclass(frozen=True)
class OrderDraft:
    """An order as imported: everything the back office keeps of it."""

    marketplace_order_id: str
    status: str
    updated_at: datetime
    currency: str
    lines: list[LineDraft]
    reference: str | None = None
    purchased_at: datetime | None = None
    sales_channel: str | None = None
    business_order: bool = False
    total_amount: Decimal | None = None
    offer_amount: Decimal | None = None
    service_fees: list[dict[str, Any]] = field(default_factory=list)
    payment_method: str | None = None
    customer_reference: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    billing_address: dict[str, Any] | None = None
    shipping_address: dict[str, Any] | None = None
    shipping_deadline: datetime | None = None

    @property
    def service_fees_amount(self) -> Decimal:
        return sum((Decimal(str(fee["amount"])) for fee in self.service_fees), Decimal("0.00"))

    @property
    def acceptance_deadline(self) -> datetime | None:
        return self.purchased_at + ACCEPTANCE_WINDOW if self.purchased_at else None

    @property
    def shipping_deadline_estimated(self) -> bool:
        """Whether its shipping deadline is cdlink's estimate (the marketplace sent none)."""
        return self.shipping_deadline is None and self.purchased_at is not None

    @property
    def shipping_due(self) -> datetime | None:
        """The marketplace's shipping deadline, else cdlink's estimate (``SHIPPING_ESTIMATE``
        after the estimated acceptance deadline)."""
        if self.shipping_deadline is not None:
            return self.shipping_deadline
        accept_by = self.acceptance_deadline
        return accept_by + SHIPPING_ESTIMATE if accept_by is not None else None


# Fields a later version may lack although an earlier one had them: kept, never erased.
_MERGED = ("billing_address", "shipping_address", "customer_name", "customer_email")
_REPLACED = (
    "reference",
    "purchased_at",
    "sales_channel",
    "business_order",
    "currency",
    "total_amount",
    "offer_amount",
    "service_fees",
    "service_fees_amount",
    "payment_method",
    "customer_reference",
    "acceptance_deadline",
    "shipping_deadline_estimated",
)
_LINE_FIELDS = tuple(name for name in LineDraft.__dataclass_fields__ if name != "line_id")
_ORDERS, _LINES, _STATUSES = (
    Order.metadata.tables[model.__tablename__] for model in (Order, OrderLine, OrderStatusEvent)
)
#: A new order's row: an address the version lacks is SQL NULL, as the unit of work leaves an
#: attribute never set (a plain None would be stored as the JSON ``null``).
_ORDER_INSERT = insert(_ORDERS).values(
    {
        name: bindparam(name, type_=JSON(none_as_null=True))
        for name in ("billing_address", "shipping_address")
    }
)


def find_order(session: Session, connection_id: int, marketplace_order_id: str) -> Order | None:
    query = select(Order).where(
        Order.connection_id == connection_id,
        Order.marketplace_order_id == marketplace_order_id,
    )
    return session.scalars(query).one_or_none()


def find_orders(
    session: Session, connection_id: int, order_ids: list[int], marketplace_order_ids: list[str]
) -> list[Order]:
    """The stored orders of a page at once (one query, lines and history loaded): those of
    ``order_ids`` and the connection's of ``marketplace_order_ids``."""
    if not order_ids and not marketplace_order_ids:
        return []
    query = (
        select(Order)
        .where(
            Order.id.in_(order_ids)
            | (
                (Order.connection_id == connection_id)
                & Order.marketplace_order_id.in_(marketplace_order_ids)
            )
        )
        .options(selectinload(Order.lines), selectinload(Order.events))
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class Staged:
    """An order a draft was applied to, not yet flushed: ``previous`` is its status before
    (None: a new order), ``older`` that the draft was an older version and changed nothing."""

    order: Order
    previous: str | None
    older: bool = False


def save_order(
    session: Session,
    connection_id: int,
    draft: OrderDraft,
    now: datetime,
    order_id: int | None = None,
) -> Order:
    """Create or update the order of ``draft`` (see the module docstring for the rules)."""
    order = session.get(Order, order_id) if order_id is not None else None
    if order is None:
        order = find_order(session, connection_id, draft.marketplace_order_id)
    staged = stage_order(session, connection_id, draft, now, order)
    if not staged.older:
        session.flush()
        emit_saved(session, staged, now)
    return staged.order


def stage_order(
    session: Session, connection_id: int, draft: OrderDraft, now: datetime, order: Order | None
) -> Staged:
    """Apply ``draft`` to the stored ``order`` (None: a new one, added to the session) without
    flushing; ``emit_saved`` after the flush finishes the save."""
    if order is None:
        order = Order(
            connection_id=connection_id,
            marketplace_order_id=draft.marketplace_order_id,
            status=draft.status,
            marketplace_updated_at=draft.updated_at,
            imported_at=now,
            updated_at=now,
            lines=[],
            events=[],
        )
        session.add(order)
        _record(order, None, None, status=draft.status, changed_at=draft.updated_at, now=now)
        previous = None
    elif draft.updated_at < order.marketplace_updated_at:
        return Staged(order, order.status, older=True)  # delivered late: the stored is newer
    else:
        previous = order.status
    _apply(order, draft, now)
    return Staged(order, previous)


@dataclass(frozen=True)
class NewOrder:
    """An order ``insert_orders`` created: its id, and the draft its rows were made from (read
    it instead of loading the rows back)."""

    id: int
    connection_id: int
    draft: OrderDraft

    @property
    def marketplace_order_id(self) -> str:
        return self.draft.marketplace_order_id

    @property
    def status(self) -> str:
        return self.draft.status

    @property
    def lines(self) -> list[LineDraft]:
        return self.draft.lines


def insert_orders(
    session: Session, connection_id: int, drafts: Sequence[OrderDraft], now: datetime
) -> list[NewOrder]:
    """Create the orders of ``drafts``, none of them stored yet (a first import's pages), with
    the rows ``stage_order`` and a flush would write (the order, its lines, its first status),
    in one statement per table instead of the unit of work's object by object; ``emit_created``
    finishes each save. Returns them in the order of ``drafts``.

    A line seen open is marked ``stock_held`` at once, as ``cdlink.hub.orders.stock.follow``
    would mark it: the caller holds the stock of each order (``follow_new``) in the same
    transaction."""
    if not drafts:
        return []
    # Matched by marketplace id rather than by asking the rows back in order, which would cost
    # SQLite a statement per row.
    inserted = session.execute(
        _ORDER_INSERT.returning(_ORDERS.c.marketplace_order_id, _ORDERS.c.id),
        [_order_row(connection_id, draft, now) for draft in drafts],
    )
    order_ids: dict[str, int] = dict(inserted.all())
    orders = [
        NewOrder(order_ids[draft.marketplace_order_id], connection_id, draft) for draft in drafts
    ]
    lines = [_line_row(order, line) for order in orders for line in order.lines]
    if lines:
        session.execute(insert(_LINES), lines)
    session.execute(insert(_STATUSES), [_status_row(order, now) for order in orders])
    return orders


def _order_row(connection_id: int, draft: OrderDraft, now: datetime) -> dict[str, Any]:
    row = {name: getattr(draft, name) for name in (*_REPLACED, *_MERGED)}
    row.update(
        connection_id=connection_id,
        marketplace_order_id=draft.marketplace_order_id,
        status=draft.status,
        marketplace_updated_at=draft.updated_at,
        shipping_deadline=draft.shipping_due,
        stock_issues=[],
        imported_at=now,
        updated_at=now,
    )
    return row


def _line_row(order: NewOrder, line: LineDraft) -> dict[str, Any]:
    row = {name: getattr(line, name) for name in _LINE_FIELDS}
    row.update(
        order_id=order.id,
        line_id=line.line_id,
        stock_held=state_of(order.status, line.status) == OPEN,
        stock_shipped=0,
    )
    return row


def _status_row(order: NewOrder, now: datetime) -> dict[str, Any]:
    """The first status of a new order, as ``_record`` adds it."""
    return {
        "order_id": order.id,
        "line_id": None,
        "previous_status": None,
        "status": order.status,
        "changed_at": order.draft.updated_at,
        "recorded_at": now,
    }


def emit_saved(session: Session, staged: Staged, now: datetime) -> None:
    """The webhook events of a staged version, once flushed (nothing for an older version)."""
    if not staged.older:
        _emit(session, staged.order, staged.previous, now)


def emit_created(session: Session, order: NewOrder, now: datetime) -> None:
    """The webhook event of an order ``insert_orders`` created."""
    _emit(session, order, None, now)


def _emit(session: Session, order: Order | NewOrder, previous: str | None, now: datetime) -> None:
    """The webhook events of a saved version: created, status changed, shipped."""
    data = {
        "order_id": order.id,
        "marketplace_order_id": order.marketplace_order_id,
        "status": order.status,
        "previous_status": previous,
    }
    if previous is None:
        emit(session, "order.created", data, connection_id=order.connection_id, now=now)
    elif previous != order.status:
        emit(session, "order.status_changed", data, connection_id=order.connection_id, now=now)
    if (
        previous is not None
        and order.status in SHIPPED_STATUSES
        and previous not in SHIPPED_STATUSES
    ):
        emit(session, "order.shipped", data, connection_id=order.connection_id, now=now)


def _apply(order: Order, draft: OrderDraft, now: datetime) -> None:
    if order.status != draft.status:
        _record(
            order, None, order.status, status=draft.status, changed_at=draft.updated_at, now=now
        )
        order.status = draft.status
    for name in _REPLACED:
        setattr(order, name, getattr(draft, name))
    order.shipping_deadline = draft.shipping_due
    for name in _MERGED:
        value = getattr(draft, name)
        if value is not None:
            setattr(order, name, value)
    order.marketplace_updated_at = draft.updated_at
    order.updated_at = now
    lines = {line.line_id: line for line in order.lines}
    for line_draft in draft.lines:
        _apply_line(order, lines.get(line_draft.line_id), line_draft, now)


def _apply_line(order: Order, line: OrderLine | None, draft: LineDraft, now: datetime) -> None:
    if line is None:
        line = OrderLine(line_id=draft.line_id)
        order.lines.append(line)
    elif draft.status is not None and line.status != draft.status:
        _record(
            order,
            draft.line_id,
            line.status,
            status=draft.status,
            changed_at=order.marketplace_updated_at,
            now=now,
        )
    for name in _LINE_FIELDS:
        value = getattr(draft, name)
        if value is not None or getattr(line, name, None) is None:
            setattr(line, name, value)


def _record(
    order: Order,
    line_id: str | None,
    previous: str | None,
    *,
    status: str,
    changed_at: datetime,
    now: datetime,
) -> None:
    order.events.append(
        OrderStatusEvent(
            line_id=line_id,
            previous_status=previous,
            status=status,
            changed_at=changed_at,
            recorded_at=now,
        )
    )
