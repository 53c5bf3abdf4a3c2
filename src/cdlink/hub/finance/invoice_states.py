"""What Cdiscount holds as each order's customer invoice, read back from it.

cdlink's own uploads say what cdlink sent; Cdiscount may hold another invoice (uploaded in its
seller portal, or by another tool) and checks every file asynchronously (``Running``, then
``Success`` or ``Failure``). The sync layer reads an order's documents and calls ``record``;
this module stores the answer (``OrderInvoiceState``, one row per order) and says which orders
to read next:

- ``to_check``: shipped or delivered orders whose invoice Cdiscount has not accepted, never read
  or read more than ``RECHECK`` ago, the least recently read first (a bounded number per run);
- ``running``: orders whose document Cdiscount is still checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cdlink.hub.finance.queries import SHIPPED_STATUSES
from cdlink.store.models import Order, OrderInvoiceState

RUNNING, SUCCESS, FAILURE = "Running", "Success", "Failure"
RECHECK = timedelta(days=1)


@dataclass(frozen=True)
class DocumentDraft:
    """An order's invoice document as Cdiscount lists it."""

    document_id: str
    file_name: str | None = None
    status: str | None = None
    errors: tuple[str, ...] = ()
    uploaded_at: datetime | None = None


def record(
    session: Session,
    connection_id: int,
    order_id: int,
    document: DocumentDraft | None,
    now: datetime,
) -> OrderInvoiceState:
    """Store what Cdiscount holds for the order (``None``: no invoice)."""
    row = session.get(OrderInvoiceState, order_id)
    if row is None:
        row = OrderInvoiceState(order_id=order_id, connection_id=connection_id, checked_at=now)
        session.add(row)
    row.checked_at = now
    if document is None:
        row.document_id = row.file_name = row.status = row.errors = row.uploaded_at = None
        return row
    row.document_id = document.document_id
    row.file_name = document.file_name
    # A document listed without a status is one Cdiscount holds: counted as accepted.
    row.status = document.status or SUCCESS
    row.errors = "; ".join(document.errors) or None
    row.uploaded_at = document.uploaded_at
    return row


def state_of(session: Session, order_id: int) -> OrderInvoiceState | None:
    return session.get(OrderInvoiceState, order_id)


def to_check(
    session: Session, connection_id: int, now: datetime, *, limit: int
) -> list[tuple[int, str]]:
    """(order id, marketplace order id) of shipped orders whose invoice to read, oldest first."""
    state = OrderInvoiceState
    query = (
        select(Order.id, Order.marketplace_order_id)
        .outerjoin(state, state.order_id == Order.id)
        .where(
            Order.connection_id == connection_id,
            Order.status.in_(SHIPPED_STATUSES),
            or_(
                state.order_id.is_(None),
                and_(
                    or_(state.status.is_(None), state.status != SUCCESS),
                    state.checked_at < now - RECHECK,
                ),
            ),
        )
        .order_by(state.checked_at.is_not(None), state.checked_at, Order.id)
        .limit(limit)
    )
    return [(int(row[0]), str(row[1])) for row in session.execute(query)]


def running(session: Session, connection_id: int, *, limit: int) -> list[tuple[int, str]]:
    """(order id, marketplace order id) of orders whose document Cdiscount is still checking."""
    query = (
        select(Order.id, Order.marketplace_order_id)
        .join(OrderInvoiceState, OrderInvoiceState.order_id == Order.id)
        .where(
            OrderInvoiceState.connection_id == connection_id,
            OrderInvoiceState.status == RUNNING,
        )
        .order_by(OrderInvoiceState.checked_at, Order.id)
        .limit(limit)
    )
    return [(int(row[0]), str(row[1])) for row in session.execute(query)]
