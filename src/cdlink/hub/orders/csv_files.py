"""Orders as CSV for accounting or an ERP: one row per order line, the order's facts repeated.

The rows follow the orders list's filter (``OrderFilter``), in import order, read in
chunks of ``CHUNK`` orders by key so a shop of a million orders streams in constant memory.
Amounts are written as the chosen format writes them (``12.50`` or ``12,50``), times in the
shop's time zone, and every text cell is escaped against spreadsheet formulas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cdlink.core.spreadsheets import Format, amount, escape
from cdlink.hub.orders.queries import OrderFilter
from cdlink.store.models import Order, OrderLine

COLUMNS = (
    "order_id",
    "marketplace_order_id",
    "reference",
    "status",
    "purchased_at",
    "customer_name",
    "customer_email",
    "shipping_postal_code",
    "shipping_city",
    "shipping_country",
    "line_id",
    "line_status",
    "sku",
    "product_title",
    "gtin",
    "quantity",
    "unit_price",
    "shipping_cost",
    "line_total",
    "commission",
    "currency",
)
CHUNK = 500


def rows(
    session: Session, order_filter: OrderFilter, name: Format, zone: ZoneInfo
) -> Iterator[list[str]]:
    """Every line of every matching order, as cells."""
    for order in _orders(session, order_filter):
        for line in sorted(order.lines, key=lambda item: item.line_id):
            yield _cells(order, line, name, zone)


def _orders(session: Session, order_filter: OrderFilter) -> Iterator[Order]:
    """The matching orders in the order cdlink imported them, ``CHUNK`` at a time, by id (a
    key: no order skipped or repeated while others are imported)."""
    last = 0
    text = order_filter.lookup(session)
    while True:
        query = order_filter.apply(select(Order)).where(Order.id > last)
        if text is not None:
            query = text.apply(query)
        query = query.options(selectinload(Order.lines)).order_by(Order.id).limit(CHUNK)
        found: list[Order] = list(session.scalars(query))
        yield from found
        if len(found) < CHUNK:
            return
        last = found[-1].id


def _cells(order: Order, line: OrderLine, name: Format, zone: ZoneInfo) -> list[str]:
    address = order.shipping_address or {}
    texts: Sequence[str | None] = (
        str(order.id),
        order.marketplace_order_id,
        order.reference,
        order.status,
        _moment(order.purchased_at, zone),
        order.customer_name,
        order.customer_email,
        address.get("postal_code"),
        address.get("city"),
        address.get("country_code"),
        line.line_id,
        line.status,
        line.seller_sku,
        line.product_title,
        line.gtin,
        str(line.quantity),
    )
    amounts: Sequence[Decimal | None] = (
        line.unit_price,
        line.shipping_cost,
        line.total_amount,
        line.commission_amount,
    )
    return [
        *(escape(text or "") for text in texts),
        *(amount(value, name) for value in amounts),
        order.currency,
    ]


def _moment(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
