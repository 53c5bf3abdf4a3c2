"""Reading orders for the pages and the REST API: filtered, paginated lists and one order.

Filters are by connection, status, a date range on the purchase time, the acceptance or shipping
deadline (the dashboard's "late" and "due within 12 h" links), and a text matched against the
marketplace order id, the reference and the customer's name or e-mail address, looked up
through the search index (``cdlink.store.search``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, selectinload

from cdlink.core.errors import CdlinkError
from cdlink.store import search
from cdlink.store.models import Order

MAXIMUM_PAGE_SIZE = 200
#: The orders a list may be sorted in (``-``: descending); each ends on the id, so it is total.
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "-purchased_at": (Order.purchased_at.desc(), Order.id.desc()),
    "purchased_at": (Order.purchased_at.asc(), Order.id.asc()),
    "updated_at": (Order.updated_at.asc(), Order.id.asc()),
    "-updated_at": (Order.updated_at.desc(), Order.id.desc()),
    "id": (Order.id.asc(),),
}


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
    # Deadlines: acceptance (or shipping) deadline at or after ``…_from`` and before ``…_to``.
    acceptance_from: datetime | None = None
    acceptance_to: datetime | None = None
    shipping_to: datetime | None = None
    #: Changed in cdlink (imported, updated, acted on) at or after this moment.
    updated_since: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Every filter but the text (``lookup`` finds that one)."""
        if self.connection_id is not None:
            query = query.where(Order.connection_id == self.connection_id)
        if self.statuses:
            query = query.where(Order.status.in_(self.statuses))
        if self.purchased_from is not None:
            query = query.where(Order.purchased_at >= self.purchased_from)
        if self.purchased_to is not None:
            query = query.where(Order.purchased_at < self.purchased_to)
        if self.acceptance_from is not None:
            query = query.where(Order.acceptance_deadline >= self.acceptance_from)
        if self.acceptance_to is not None:
            query = query.where(Order.acceptance_deadline < self.acceptance_to)
        if self.shipping_to is not None:
            query = query.where(Order.shipping_deadline < self.shipping_to)
        if self.updated_since is not None:
            query = query.where(Order.updated_at >= self.updated_since)
        return query

    def lookup(self, session: Session, *, limit: int | None = None) -> search.Lookup | None:
        """The text, looked up in the search index (``cdlink.store.search``); None for none.

        With ``limit``, the orders this filter selects that hold the text are listed, up to
        ``limit`` of them (``Lookup.complete``: their number is the list's count).
        """
        if limit is None:
            return search.lookup(session, search.ORDERS, self.text)
        among = self.apply(select(Order.id))
        return search.lookup(session, search.ORDERS, self.text, limit=limit, among=among)


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    # The number of matching orders; with a count limit, at most that limit (``exact`` False
    # when more orders match).
    total: int
    page: int
    page_size: int
    exact: bool = True
    has_next: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_orders(
    session: Session,
    order_filter: OrderFilter,
    *,
    page: int = 1,
    page_size: int = 50,
    count_limit: int | None = None,
    sort: str = "-purchased_at",
) -> OrderPage:
    """One page of the orders matching ``order_filter``, newest purchase first.

    The page walks ``ix_orders_purchased`` (or ``ix_orders_status_purchased`` with a status
    filter) from the newest order, so the first pages cost a few rows whatever the table holds.
    Counting every match costs a scan of the matching index entries: with ``count_limit`` the
    count stops there (``exact`` is then False when more match), which keeps a page of a
    million-order shop fast; ``has_next`` says whether another page follows either way. On the
    last page the count is the rows before it plus its own, exact, and no count query runs.
    ``sort`` is one of ``SORTS`` (the API's ``updated_at`` serves a client that syncs).

    A text is looked up first, with the other filters, up to the count limit (``CANDIDATES``
    without one): the orders found are the page's to sort, and their number is the count. A
    text more orders hold than that is frequent enough for the walk in the list's order to find
    a page at once, and its capped count is the limit itself: no count query runs.
    """
    page, page_size = max(page, 1), min(max(page_size, 1), MAXIMUM_PAGE_SIZE)
    limit = search.CANDIDATES if count_limit is None else count_limit
    text = order_filter.lookup(session, limit=limit)
    matching = order_filter.apply(select(Order))
    if text is not None:
        matching = text.apply(matching)
    query = matching.order_by(*SORTS[sort]).offset((page - 1) * page_size).limit(page_size + 1)
    rows: list[Order] = list(session.scalars(query))
    has_next = len(rows) > page_size
    if text is not None and text.complete and text.ids is not None:
        total, exact = len(text.ids), True  # the lookup listed every order holding the text
    elif not has_next and (rows or page == 1):
        # The last page: the count is known without counting.
        total, exact = (page - 1) * page_size + len(rows), True
    elif text is not None and count_limit is not None:
        total, exact = count_limit, False  # the lookup found more than the limit
    else:
        counted = order_filter.apply(select(Order.id))
        if text is not None:
            # An exact count (the REST API) of a frequent text reads the table: the index's
            # rows, all of them, would be slower.
            counted = text.apply(counted)
        total, exact = _count(session, counted, count_limit)
    return OrderPage(rows[:page_size], total, page, page_size, exact=exact, has_next=has_next)


def _count(session: Session, counted: Select[tuple[int]], limit: int | None) -> tuple[int, bool]:
    """How many orders match, and whether that is exact (no more than ``limit`` match)."""
    if limit is not None:
        counted = counted.limit(limit + 1)
    total = int(session.scalar(select(func.count()).select_from(counted.subquery())) or 0)
    if limit is not None and total > limit:
        return limit, False
    return total, True


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
