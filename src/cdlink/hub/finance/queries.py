"""Reading finance for the pages, the API, the CLI and the exports: payouts with their check,
the next expected payout, operations (filtered, paged by key so a million rows cost nothing),
differences to review, and the shipped orders still without an invoice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.finance.money import from_cents
from cdlink.hub.finance.reconciliation import KINDS, signed_reported
from cdlink.hub.finance.records import PAID
from cdlink.store.models import (
    FinanceDifference,
    FinanceOperation,
    FinancePayout,
    Order,
    OrderInvoiceImport,
    OrderInvoiceState,
    OrderInvoiceUpload,
    ProductCost,
)

SHIPPED_STATUSES = ("Shipped", "Delivered")
MAX_PAGE = 500


class UnknownFinanceRecordError(CdlinkError):
    """No payout, difference, upload or import with this id."""

    default_hint = translatable("Open the Finance page and pick one from its lists.")


class FinanceQueryError(CdlinkError):
    default_hint = translatable("Correct the value as the message says, then try again.")


@dataclass(frozen=True)
class PayoutView:
    id: int
    connection_id: int
    payment_id: str
    payment_date: datetime
    state: str
    amount: Decimal
    vat: Decimal | None
    reported_operations: int | None
    operations_total: Decimal | None
    operations_found: int | None
    currency: str
    checked: bool
    """Its operations were read and summed."""
    updated_at: datetime

    @property
    def difference(self) -> Decimal | None:
        if not self.checked or self.operations_total is None:
            return None
        return self.amount - self.operations_total

    @property
    def matches(self) -> bool | None:
        if not self.checked:
            return None
        counted = self.reported_operations in (None, self.operations_found)
        return self.difference == 0 and counted


def _view(row: FinancePayout) -> PayoutView:
    total = row.operations_cents
    amount = signed_reported(row.reported_cents, total or 0)
    return PayoutView(
        id=row.id,
        connection_id=row.connection_id,
        payment_id=row.payment_id,
        payment_date=row.payment_date,
        state=row.state,
        amount=from_cents(amount),
        vat=None if row.reported_vat_cents is None else from_cents(row.reported_vat_cents),
        reported_operations=row.reported_operations,
        operations_total=None if total is None else from_cents(total),
        operations_found=row.operations_found,
        currency=row.currency,
        checked=row.operations_read_state is not None and row.reconciled_at is not None,
        updated_at=row.updated_at,
    )


def payouts(
    session: Session,
    *,
    connection_id: int | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    updated_since: datetime | None = None,
    by_update: bool = False,
) -> list[PayoutView]:
    """Payouts, the latest payment date first, or by their last change in cdlink (oldest
    first) with ``by_update``."""
    query = select(FinancePayout)
    if updated_since is not None:
        query = query.where(FinancePayout.updated_at >= updated_since)
    if connection_id is not None:
        query = query.where(FinancePayout.connection_id == connection_id)
    if state is not None:
        query = query.where(FinancePayout.state == state)
    if since is not None:
        query = query.where(FinancePayout.payment_date >= since)
    if until is not None:
        query = query.where(FinancePayout.payment_date < until)
    if by_update:
        query = query.order_by(FinancePayout.updated_at, FinancePayout.id)
    else:
        query = query.order_by(FinancePayout.payment_date.desc(), FinancePayout.id.desc())
    return [_view(row) for row in session.scalars(query.limit(limit).offset(offset))]


def payout(session: Session, payout_id: int) -> PayoutView:
    row = session.get(FinancePayout, payout_id)
    if row is None:
        raise UnknownFinanceRecordError(translatable("no such payout"))
    return _view(row)


def next_expected(
    session: Session, now: datetime, *, connection_id: int | None = None
) -> PayoutView | None:
    """The next payout not paid yet (today's or later)."""
    query = select(FinancePayout).where(FinancePayout.state != PAID)
    query = query.where(
        FinancePayout.payment_date >= now.replace(hour=0, minute=0, second=0, microsecond=0)
    )
    if connection_id is not None:
        query = query.where(FinancePayout.connection_id == connection_id)
    row = session.scalars(query.order_by(FinancePayout.payment_date, FinancePayout.id).limit(1))
    found = row.first()
    return None if found is None else _view(found)


@dataclass(frozen=True)
class OperationFilter:
    connection_id: int | None = None
    event_type: str | None = None
    payment_id: str | None = None
    order_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: Stored or changed in cdlink at or after this moment.
    updated_since: datetime | None = None


@dataclass(frozen=True)
class OperationView:
    id: int
    connection_id: int
    operation_id: str
    event_type: str
    operation_date: datetime
    marketplace_order_id: str | None
    order_line_id: str | None
    seller_product_id: str | None
    amount: Decimal
    vat: Decimal
    commission: Decimal | None
    currency: str
    payment_id: str | None
    payment_state: str | None
    release_payment_date: datetime | None
    invoice_id: str | None


def _operation_view(row: FinanceOperation) -> OperationView:
    return OperationView(
        id=row.id,
        connection_id=row.connection_id,
        operation_id=row.operation_id,
        event_type=row.event_type,
        operation_date=row.operation_date,
        marketplace_order_id=row.marketplace_order_id,
        order_line_id=row.order_line_id,
        seller_product_id=row.seller_product_id,
        amount=from_cents(row.amount_cents),
        vat=from_cents(row.vat_cents),
        commission=None if row.commission_cents is None else from_cents(row.commission_cents),
        currency=row.currency,
        payment_id=row.payment_id,
        payment_state=row.payment_state,
        release_payment_date=row.release_payment_date,
        invoice_id=row.invoice_id,
    )


def _operations_query(filters: OperationFilter) -> Select[Any]:
    op = FinanceOperation
    query = select(op)
    if filters.connection_id is not None:
        query = query.where(op.connection_id == filters.connection_id)
    if filters.event_type is not None:
        query = query.where(op.event_type == filters.event_type)
    if filters.payment_id is not None:
        query = query.where(op.payment_id == filters.payment_id)
    if filters.order_id is not None:
        query = query.where(op.marketplace_order_id == filters.order_id)
    if filters.since is not None:
        query = query.where(op.operation_date >= filters.since)
    if filters.until is not None:
        query = query.where(op.operation_date < filters.until)
    if filters.updated_since is not None:
        query = query.where(op.updated_at >= filters.updated_since)
    return query


def operations(
    session: Session, filters: OperationFilter, *, limit: int = 100, after: int | None = None
) -> tuple[list[OperationView], int | None]:
    """A page of operations, newest first; returns the page and the key of the next one."""
    if not 1 <= limit <= MAX_PAGE:
        raise FinanceQueryError(translatable("a page holds 1 to 500 operations"))
    query = _operations_query(filters)
    if after is not None:
        query = query.where(FinanceOperation.id < after)
    rows = list(session.scalars(query.order_by(FinanceOperation.id.desc()).limit(limit + 1)))
    following = rows[limit - 1].id if len(rows) > limit else None
    return [_operation_view(row) for row in rows[:limit]], following


def all_operations(session: Session, filters: OperationFilter) -> Iterator[OperationView]:
    """Every matching operation, oldest first, read in chunks (for the exports)."""
    after = 0
    while True:
        query = _operations_query(filters).where(FinanceOperation.id > after)
        rows = list(session.scalars(query.order_by(FinanceOperation.id).limit(5000)))
        if not rows:
            return
        yield from (_operation_view(row) for row in rows)
        after = rows[-1].id


@dataclass(frozen=True)
class PayoutBreakdown:
    """A payout's operations summed by kind, and the orders it pays."""

    by_type: dict[str, Decimal]
    orders: list[tuple[str, Decimal, int | None]]
    """(marketplace order id, net in this payout, cdlink's order id or None)"""
    others: Decimal


def breakdown(session: Session, view: PayoutView) -> PayoutBreakdown:
    op = FinanceOperation
    scope = and_(op.connection_id == view.connection_id, op.payment_id == view.payment_id)
    by_type = {
        str(kind): from_cents(int(total or 0))
        for kind, total in session.execute(
            select(op.event_type, func.sum(op.amount_cents)).where(scope).group_by(op.event_type)
        )
    }
    orders_query = (
        select(op.marketplace_order_id, func.sum(op.amount_cents), func.min(Order.id))
        .outerjoin(
            Order,
            and_(
                Order.connection_id == op.connection_id,
                Order.marketplace_order_id == op.marketplace_order_id,
            ),
        )
        .where(scope, op.marketplace_order_id.is_not(None))
        .group_by(op.marketplace_order_id)
        .order_by(op.marketplace_order_id)
    )
    orders: list[tuple[str, Decimal, int | None]] = [
        (str(order_id), from_cents(int(total or 0)), local)
        for order_id, total, local in session.execute(orders_query)
    ]
    others = session.scalar(
        select(func.sum(op.amount_cents)).where(scope, op.marketplace_order_id.is_(None))
    )
    return PayoutBreakdown(by_type, orders, from_cents(int(others or 0)))


@dataclass(frozen=True)
class DifferenceView:
    id: int
    connection_id: int
    kind: str
    reference: str
    marketplace_order_id: str | None
    order_line_id: str | None
    payment_id: str | None
    expected: Decimal | None
    actual: Decimal | None
    detected_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    order_id: int | None
    updated_at: datetime


def differences(
    session: Session,
    *,
    connection_id: int | None = None,
    kind: str | None = None,
    include_reviewed: bool = False,
    payment_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
    updated_since: datetime | None = None,
    by_update: bool = False,
) -> list[DifferenceView]:
    if kind is not None and kind not in KINDS:
        raise FinanceQueryError(translatable("unknown kind of difference"))
    # The page of differences is chosen first, then joined to its orders: joining every open
    # difference (tens of thousands) to the orders before the limit made the Finance page slow.
    chosen = select(FinanceDifference)
    if connection_id is not None:
        chosen = chosen.where(FinanceDifference.connection_id == connection_id)
    if kind is not None:
        chosen = chosen.where(FinanceDifference.kind == kind)
    if payment_id is not None:
        chosen = chosen.where(FinanceDifference.payment_id == payment_id)
    if not include_reviewed:
        chosen = chosen.where(FinanceDifference.reviewed_at.is_(None))
    if updated_since is not None:
        chosen = chosen.where(FinanceDifference.updated_at >= updated_since)
    newest = (FinanceDifference.detected_at.desc(), FinanceDifference.id.desc())
    if by_update:
        newest = (FinanceDifference.updated_at.asc(), FinanceDifference.id.asc())
    picked = chosen.order_by(*newest).limit(limit).offset(offset).subquery()
    diff = aliased(FinanceDifference, picked)
    query = (
        select(diff, Order.id)
        .outerjoin(
            Order,
            and_(
                Order.connection_id == diff.connection_id,
                Order.marketplace_order_id == diff.marketplace_order_id,
            ),
        )
        .order_by(
            *(
                (diff.updated_at, diff.id)
                if by_update
                else (diff.detected_at.desc(), diff.id.desc())
            )
        )
    )
    return [
        DifferenceView(
            row.id,
            row.connection_id,
            row.kind,
            row.reference,
            row.marketplace_order_id,
            row.order_line_id,
            row.payment_id,
            None if row.expected_cents is None else from_cents(row.expected_cents),
            None if row.actual_cents is None else from_cents(row.actual_cents),
            row.detected_at,
            row.reviewed_at,
            row.reviewed_by,
            order_id,
            row.updated_at,
        )
        for row, order_id in session.execute(query)
    ]


def count_differences(session: Session, *, connection_id: int | None = None) -> dict[str, int]:
    query = select(FinanceDifference.kind, func.count()).where(
        FinanceDifference.reviewed_at.is_(None)
    )
    if connection_id is not None:
        query = query.where(FinanceDifference.connection_id == connection_id)
    return {
        str(kind): int(count)
        for kind, count in session.execute(query.group_by(FinanceDifference.kind))
    }


def review(session: Session, difference_id: int, *, by: str | None, now: datetime) -> None:
    row = session.get(FinanceDifference, difference_id)
    if row is None:
        raise UnknownFinanceRecordError(translatable("no such difference"))
    row.reviewed_at = row.updated_at = now
    row.reviewed_by = by


@dataclass(frozen=True)
class InvoiceReminder:
    order_id: int
    marketplace_order_id: str
    status: str
    purchased_at: datetime | None
    upload_state: str | None
    upload_outcome: str | None
    upload_id: int | None


def uninvoiced_orders(
    session: Session, *, connection_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[InvoiceReminder]:
    """Shipped (or delivered) orders with no invoice sent by cdlink nor accepted by Cdiscount
    (as last read back), oldest first, with the last try."""
    done = exists().where(
        OrderInvoiceUpload.order_id == Order.id, OrderInvoiceUpload.state == "done"
    )
    held = exists().where(
        OrderInvoiceState.order_id == Order.id, OrderInvoiceState.status == "Success"
    )
    query = select(Order).where(Order.status.in_(SHIPPED_STATUSES), ~done, ~held)
    if connection_id is not None:
        query = query.where(Order.connection_id == connection_id)
    query = query.order_by(Order.purchased_at, Order.id).limit(limit).offset(offset)
    found = []
    for order in session.scalars(query):
        last = session.scalars(
            select(OrderInvoiceUpload)
            .where(OrderInvoiceUpload.order_id == order.id)
            .order_by(OrderInvoiceUpload.id.desc())
            .limit(1)
        ).first()
        found.append(
            InvoiceReminder(
                order.id,
                order.marketplace_order_id,
                order.status,
                order.purchased_at,
                last.state if last else None,
                last.outcome if last else None,
                last.id if last else None,
            )
        )
    return found


def uploads(
    session: Session,
    *,
    connection_id: int | None = None,
    order_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
    updated_since: datetime | None = None,
    by_update: bool = False,
) -> list[tuple[OrderInvoiceUpload, str]]:
    """Invoice uploads, newest first (by their last change, oldest first, with ``by_update``),
    with their order's marketplace id."""
    query = select(OrderInvoiceUpload, Order.marketplace_order_id).join(
        Order, Order.id == OrderInvoiceUpload.order_id
    )
    if connection_id is not None:
        query = query.where(OrderInvoiceUpload.connection_id == connection_id)
    if order_id is not None:
        query = query.where(OrderInvoiceUpload.order_id == order_id)
    if updated_since is not None:
        query = query.where(OrderInvoiceUpload.updated_at >= updated_since)
    upload = OrderInvoiceUpload
    order = (upload.updated_at, upload.id) if by_update else (upload.id.desc(),)
    query = query.order_by(*order).limit(limit).offset(offset)
    return [(row, str(marketplace_id)) for row, marketplace_id in session.execute(query)]


def imports(session: Session, *, limit: int = 20) -> list[OrderInvoiceImport]:
    query = select(OrderInvoiceImport).order_by(OrderInvoiceImport.id.desc()).limit(limit)
    return list(session.scalars(query))


def set_cost(session: Session, sku: str, cost: Decimal, *, currency: str, now: datetime) -> None:
    """Record what one unit of ``sku`` costs the seller (for margins)."""
    if not sku.strip() or len(sku) > 120:
        raise FinanceQueryError(translatable("a SKU has 1 to 120 characters"))
    if cost < 0 or cost != cost.quantize(Decimal("0.01")):
        raise FinanceQueryError(translatable("a cost is a positive amount with at most 2 decimals"))
    row = session.get(ProductCost, sku)
    if row is None:
        session.add(ProductCost(seller_sku=sku, cost=cost, currency=currency, updated_at=now))
    else:
        row.cost, row.currency, row.updated_at = cost, currency, now
