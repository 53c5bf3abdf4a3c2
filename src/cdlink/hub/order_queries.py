"""Reading orders for the pages and the REST API: filtered, paginated lists and one order.

Filters are by connection, status, a date range on the purchase time, and a text matched against
the marketplace order id, the reference and the customer's name or e-mail address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from cdlink.core.errors import CdlinkError
from cdlink.store.models import Order

MAXIMUM_PAGE_SIZE = 200


class UnknownOrderError(CdlinkError):
    """No order has this id."""

    default_hint = "Check the order id; the orders list shows every imported order."


@dataclass(frozen=True)
class OrderFilter:
    """What the orders list shows; None or empty means "any"."""

    connection_id: int | None = None
    statuses: tuple[str, ...] = ()
    purchased_from: datetime | None = None
    purchased_to: datetime | None = None
    text: str | None = None

    def apply(self, query: Select[tuple[Order]]) -> Select[tuple[Order]]:
        if self.connection_id is not None:
            query = query.where(Order.connection_id == self.connection_id)
        if self.statuses:
            query = query.where(Order.status.in_(self.statuses))
        if self.purchased_from is not None:
            query = query.where(Order.purchased_at >= self.purchased_from)
        if self.purchased_to is not None:
            query = query.where(Order.purchased_at < self.purchased_to)
        if self.text:
            pattern = f"%{self.text.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(Order.marketplace_order_id).like(pattern),
                    func.lower(Order.reference).like(pattern),
                    func.lower(Order.customer_name).like(pattern),
                    func.lower(Order.customer_email).like(pattern),
                )
            )
        return query


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_orders(
    session: Session, order_filter: OrderFilter, *, page: int = 1, page_size: int = 50
) -> OrderPage:
    """One page of the orders matching ``order_filter``, newest purchase first."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAXIMUM_PAGE_SIZE)
    matching = order_filter.apply(select(Order))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    query = (
        matching.order_by(Order.purchased_at.desc(), Order.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return OrderPage(list(session.scalars(query)), int(total), page, page_size)


def get_order(session: Session, order_id: int) -> Order:
    """The order with its lines and history loaded; raises ``UnknownOrderError``."""
    query = (
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines), selectinload(Order.events))
    )
    order = session.scalars(query).one_or_none()
    if order is None:
        raise UnknownOrderError(f"no order with id {order_id}")
    return order
