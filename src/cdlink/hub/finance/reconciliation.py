"""Payout reconciliation: every payout explained by its operations, every sale matched to an
order line, and the differences listed for the seller to review.

The work is done by the database, in batches of ``BATCH`` operations (by row id), so that a
million operations against hundreds of thousands of orders never load into memory: each check is
one SQL query per batch that returns only the rows that disagree (and, for payouts, one sum per
payout). Amounts are cents (integers): the totals are exact to the cent on every database.

The differences (``KINDS``):

- ``commission``: a commission charged differs from the amount the order line announced;
- ``unpaid_sale``: a sale released for payment is in no payout after the payout day that should
  have paid it (payouts fall on the 1st, 11th and 21st) and one more day;
- ``unexplained_refund``: a refund of an order on which cdlink recorded no cancellation, refund
  or gesture, and whose line cdlink never saw cancelled;
- ``unknown_order``: an operation for an order cdlink does not hold;
- ``unmatched_sale``: a sale of a known order for a line the order does not have;
- ``payout``: a payout whose amount (or count of operations) differs from its operations.

A difference found again keeps its row (and the seller's review); one no longer found (the
marketplace corrected it, the order arrived) is removed unless it was reviewed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, cast, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from cdlink.hub.finance.records import COMMISSION, REFUND, SALE
from cdlink.store.models import (
    CustomerServiceAction,
    FinanceDifference,
    FinanceOperation,
    FinancePayout,
    Order,
    OrderAction,
    OrderLine,
    StreamCursor,
)

BATCH = 100_000
PAYOUT_DAYS = (1, 11, 21)
GRACE = timedelta(days=1)
COMMISSION_KIND = "commission"
UNPAID_SALE = "unpaid_sale"
UNEXPLAINED_REFUND = "unexplained_refund"
UNKNOWN_ORDER = "unknown_order"
UNMATCHED_SALE = "unmatched_sale"
PAYOUT = "payout"
KINDS = (COMMISSION_KIND, UNPAID_SALE, UNEXPLAINED_REFUND, UNKNOWN_ORDER, UNMATCHED_SALE, PAYOUT)
#: Order actions that explain a refund (the seller cancelled or refused in cdlink).
REFUNDING_ORDER_ACTIONS = ("cancel", "cancel_lines", "refuse")
#: Customer service actions that explain a refund.
REFUNDING_CS_ACTIONS = ("refund", "gesture")
CANCELLED_LINE_STATUSES = ("Cancelled", "Refused", "Rejected", "CancelRequest")


@dataclass(frozen=True)
class Found:
    kind: str
    reference: str
    marketplace_order_id: str | None = None
    order_line_id: str | None = None
    payment_id: str | None = None
    expected_cents: int | None = None
    actual_cents: int | None = None


@dataclass
class ReconciliationReport:
    operations: int = 0
    payouts: int = 0
    payouts_matching: int = 0
    total_cents: int = 0
    differences: Counter[str] = field(default_factory=Counter)
    new: int = 0
    resolved: int = 0


def orders_imported_until(session: Session, connection_id: int) -> datetime | None:
    """The end of the orders stream's first contiguous read window (None: never read)."""
    row = session.get(StreamCursor, (connection_id, "orders"))
    if row is None or not row.windows:
        return None
    return datetime.fromisoformat(row.windows[0][1])


def next_payout_day(moment: datetime) -> datetime:
    """The first payout day (1st, 11th, 21st) strictly after ``moment``'s day, at midnight UTC."""
    day: date = moment.astimezone(UTC).date() + timedelta(days=1)
    while day.day not in PAYOUT_DAYS:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=UTC)


def signed_reported(reported_cents: int, operations_cents: int) -> int:
    """The payout's amount with its sign: an unsigned answer (the marketplace may drop the
    sign) takes the sign of its operations' sum."""
    if reported_cents >= 0 > operations_cents:
        return -reported_cents
    return reported_cents


def reconcile(
    session: Session, connection_id: int, now: datetime, *, batch: int = BATCH
) -> ReconciliationReport:
    """Check every operation and payout of ``connection_id``; store the differences."""
    report = ReconciliationReport()
    work = _Pass(session, connection_id, now, report, orders_imported_until(session, connection_id))
    bounds = session.execute(
        select(func.min(FinanceOperation.id), func.max(FinanceOperation.id)).where(
            FinanceOperation.connection_id == connection_id
        )
    ).one()
    low, high = bounds
    if low is not None and high is not None:
        for start in range(low, high + 1, batch):
            end = start + batch - 1
            _batch(work, start, end)
    _payouts(work)
    _store(work)
    return report


@dataclass
class _Pass:
    """One reconciliation's state: what was found so far, and each payout's sum and count."""

    session: Session
    connection_id: int
    now: datetime
    report: ReconciliationReport
    orders_until: datetime | None
    """How far the orders stream has read: an order of an operation after it may just not be
    imported yet, so it is not called unknown."""
    found: dict[tuple[str, str], Found] = field(default_factory=dict)
    sums: dict[str, list[int]] = field(default_factory=dict)


def _batch(work: _Pass, start: int, end: int) -> None:
    session, connection_id, now = work.session, work.connection_id, work.now
    found, sums, report = work.found, work.sums, work.report
    op = FinanceOperation
    in_batch = and_(op.connection_id == connection_id, op.id >= start, op.id <= end)
    totals = (
        select(op.payment_id, func.sum(op.amount_cents), func.count(op.id))
        .where(in_batch)
        .group_by(op.payment_id)
    )
    for payment_id, total, count in session.execute(totals):
        report.operations += int(count)
        report.total_cents += int(total or 0)
        if payment_id is not None:
            entry = sums.setdefault(payment_id, [0, 0])
            entry[0] += int(total or 0)
            entry[1] += int(count)
    order_of = and_(
        Order.connection_id == op.connection_id,
        Order.marketplace_order_id == op.marketplace_order_id,
    )
    line_of = and_(OrderLine.order_id == Order.id, OrderLine.line_id == op.order_line_id)
    charged = func.coalesce(op.commission_cents, -op.amount_cents)
    expected = cast(func.round(OrderLine.commission_amount * 100), BigInteger)
    commissions = (
        select(
            op.operation_id,
            op.marketplace_order_id,
            op.order_line_id,
            op.payment_id,
            expected,
            charged,
        )
        .join(Order, order_of)
        .join(OrderLine, line_of)
        .where(in_batch, op.event_type == COMMISSION, OrderLine.commission_amount.is_not(None))
        .where(expected != charged)
    )
    for operation_id, order_id, line_id, payment_id, want, got in session.execute(commissions):
        _add(
            found,
            Found(
                COMMISSION_KIND, operation_id, order_id, line_id, payment_id, int(want), int(got)
            ),
        )
    unknown = (
        select(
            op.operation_id,
            op.marketplace_order_id,
            op.order_line_id,
            op.payment_id,
            op.amount_cents,
        )
        .outerjoin(Order, order_of)
        .where(in_batch, op.marketplace_order_id.is_not(None), Order.id.is_(None))
    )
    # Nothing is unknown before the orders stream has read past the operation's date.
    until = work.orders_until or datetime.min.replace(tzinfo=UTC)
    unknown = unknown.where(op.operation_date < until)
    for operation_id, order_id, line_id, payment_id, amount in session.execute(unknown):
        _add(
            found,
            Found(UNKNOWN_ORDER, operation_id, order_id, line_id, payment_id, None, int(amount)),
        )
    unmatched = (
        select(
            op.operation_id,
            op.marketplace_order_id,
            op.order_line_id,
            op.payment_id,
            op.amount_cents,
        )
        .join(Order, order_of)
        .outerjoin(OrderLine, line_of)
        .where(in_batch, op.event_type == SALE, OrderLine.id.is_(None))
    )
    for operation_id, order_id, line_id, payment_id, amount in session.execute(unmatched):
        _add(
            found,
            Found(UNMATCHED_SALE, operation_id, order_id, line_id, payment_id, None, int(amount)),
        )
    _refunds(session, in_batch, order_of, found)
    unpaid = select(
        op.operation_id,
        op.marketplace_order_id,
        op.order_line_id,
        op.amount_cents,
        op.release_payment_date,
    ).where(
        in_batch,
        op.event_type == SALE,
        op.payment_id.is_(None),
        op.release_payment_date.is_not(None),
        op.release_payment_date < now - GRACE,
    )
    for operation_id, order_id, line_id, amount, released in session.execute(unpaid):
        if released is not None and next_payout_day(released) + GRACE <= now:
            _add(
                found, Found(UNPAID_SALE, operation_id, order_id, line_id, None, int(amount), None)
            )


def _refunds(
    session: Session, in_batch: Any, order_of: Any, found: dict[tuple[str, str], Found]
) -> None:
    op = FinanceOperation
    line = aliased(OrderLine)
    by_order_action = exists().where(
        OrderAction.order_id == Order.id, OrderAction.kind.in_(REFUNDING_ORDER_ACTIONS)
    )
    by_cs_action = exists().where(
        CustomerServiceAction.order_id == Order.id,
        CustomerServiceAction.kind.in_(REFUNDING_CS_ACTIONS),
        CustomerServiceAction.state != "failed",
    )
    line_cancelled = exists().where(
        line.order_id == Order.id,
        line.line_id == op.order_line_id,
        line.status.in_(CANCELLED_LINE_STATUSES),
    )
    order_cancelled = Order.status.in_(CANCELLED_LINE_STATUSES)
    explained = or_(
        by_order_action,
        by_cs_action,
        and_(op.order_line_id.is_not(None), or_(line_cancelled, order_cancelled)),
    )
    refunds = (
        select(
            op.operation_id,
            op.marketplace_order_id,
            op.order_line_id,
            op.payment_id,
            op.amount_cents,
        )
        .join(Order, order_of)
        .where(in_batch, op.event_type == REFUND, ~explained)
    )
    for operation_id, order_id, line_id, payment_id, amount in session.execute(refunds):
        _add(
            found,
            Found(
                UNEXPLAINED_REFUND, operation_id, order_id, line_id, payment_id, None, int(amount)
            ),
        )


def _payouts(work: _Pass) -> None:
    session, connection_id, now = work.session, work.connection_id, work.now
    found, sums, report = work.found, work.sums, work.report
    payouts = session.scalars(
        select(FinancePayout).where(FinancePayout.connection_id == connection_id)
    )
    for payout in payouts:
        total, count = sums.get(payout.payment_id, [0, 0])
        if (payout.operations_cents, payout.operations_found) != (total, count) or (
            payout.operations_read_state is not None and payout.reconciled_at is None
        ):
            payout.updated_at = now  # what the API shows of it changes (its sum, matches)
        payout.operations_cents = total
        payout.operations_found = count
        payout.reconciled_at = now
        report.payouts += 1
        if payout.operations_read_state is None:
            continue  # its operations were never read: nothing to compare yet
        reported = signed_reported(payout.reported_cents, total)
        counted = payout.reported_operations in (None, count)
        if reported == total and counted:
            report.payouts_matching += 1
            continue
        _add(
            found, Found(PAYOUT, payout.payment_id, None, None, payout.payment_id, reported, total)
        )


def _add(found: dict[tuple[str, str], Found], item: Found) -> None:
    found[(item.kind, item.reference)] = item


_STORED_COLUMNS = (
    "marketplace_order_id",
    "order_line_id",
    "payment_id",
    "expected_cents",
    "actual_cents",
)


def _store(work: _Pass) -> None:
    """Write what was found in bulk: a first reconciliation of a million operations finds tens
    of thousands of differences, which one ORM object each made slower than every check."""
    session, connection_id, now = work.session, work.connection_id, work.now
    found, report = work.found, work.report
    diff = FinanceDifference
    columns = (
        "marketplace_order_id",
        "order_line_id",
        "payment_id",
        "expected_cents",
        "actual_cents",
    )
    stored = {
        (row.kind, row.reference): row
        for row in session.execute(
            select(
                diff.id,
                diff.kind,
                diff.reference,
                diff.reviewed_at,
                *(getattr(diff, c) for c in columns),
            ).where(diff.connection_id == connection_id)
        )
    }
    gone = [row.id for key, row in stored.items() if key not in found and row.reviewed_at is None]
    for start in range(0, len(gone), 1000):
        session.execute(
            delete(diff).where(diff.id.in_(gone[start : start + 1000])),
            execution_options={"synchronize_session": False},
        )
    report.resolved += len(gone)
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for key, item in found.items():
        report.differences[item.kind] += 1
        values = {column: getattr(item, column) for column in columns}
        existing = stored.get(key)
        if existing is None:
            new.append(
                {
                    "connection_id": connection_id,
                    "kind": item.kind,
                    "reference": item.reference,
                    "detected_at": now,
                    "updated_at": now,
                    **values,
                }
            )
        elif any(getattr(existing, column) != value for column, value in values.items()):
            changed.append({"id": existing.id, "updated_at": now, **values})
    if new:
        session.execute(insert(diff), new)
        report.new += len(new)
    if changed:
        session.execute(update(diff), changed)
    session.flush()


def plain_aggregate(session: Session, connection_id: int) -> list[tuple[str | None, int, int]]:
    """The simplest SQL over the same rows (the bench's yardstick): a sum per payout."""
    op = FinanceOperation
    query = (
        select(op.payment_id, func.sum(op.amount_cents), func.count(op.id))
        .where(op.connection_id == connection_id)
        .group_by(op.payment_id)
    )
    return [(row[0], int(row[1] or 0), int(row[2])) for row in session.execute(query)]
