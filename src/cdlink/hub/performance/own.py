"""cdlink's own performance figures, computed from the orders and claims it holds.

They use Cdiscount's definitions (addendum §6) on the orders purchased in the last 30 and 60
days, so they move as soon as cdlink sees an order refused, shipped late or claimed — an early
warning before the marketplace's figure moves:

- acceptance rate (``order_acceptation``): accepted / accepted or refused;
- shipping rate (``product_shipping``): shipped / accepted orders shipped or past their deadline;
- on-time shipping (``deadline_compliance``): shipped by the shipping deadline / shipped;
- claim rate (``order_claims``): orders with a discussion escalated to a claim / orders;
- refund rate (``order_refunds``): orders with a refund, a gesture or a return / orders.

With no order in the window a rate reads as the best value (100 %, or 0 % for claims and
refunds), as the marketplace's do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.performance.indicators import RULES, Figure
from cdlink.store.models import (
    CustomerServiceAction,
    Discussion,
    Order,
    OrderReturn,
    OrderStatusEvent,
)

ACCEPTED = frozenset({"Accepted", "InPreparation", "Shipped", "Delivered", "PartiallyShipped"})
REFUSED = frozenset({"Refused"})
SHIPPED = frozenset({"Shipped", "Delivered", "PartiallyShipped"})
HUNDRED, ZERO = Decimal(100), Decimal(0)


@dataclass
class _Order:
    id: int
    marketplace_order_id: str
    deadline: datetime | None
    statuses: set[str] = field(default_factory=set)
    shipped_at: datetime | None = None


def own_figures(session: Session, connection_id: int, now: datetime) -> list[Figure]:
    """The five figures as of ``now``."""
    orders = _orders(session, connection_id, now - timedelta(days=60), now)
    claimed, refunded = _claimed(session, connection_id), _refunded(session, connection_id)
    windows = {}
    for days in (30, 60):
        since = now - timedelta(days=days)
        windows[days] = _rates(
            [item for when, item in orders if when >= since], claimed, refunded, now
        )
    return [
        Figure(name, windows[30][name], windows[60][name], rule.threshold, rule.kind, now)
        for name, rule in RULES.items()
    ]


def _rates(
    orders: list[_Order], claimed: set[str], refunded: set[str], now: datetime
) -> dict[str, Decimal]:
    accepted = [item for item in orders if item.statuses & ACCEPTED]
    refused = sum(1 for item in orders if item.statuses & REFUSED and not item.statuses & ACCEPTED)
    shipped = [item for item in accepted if item.statuses & SHIPPED]
    due = [
        item
        for item in accepted
        if item.statuses & SHIPPED or (item.deadline is not None and item.deadline <= now)
    ]
    on_time = sum(1 for item in shipped if _on_time(item))
    ids = [item.marketplace_order_id for item in orders]
    return {
        "order_acceptation": rate(len(accepted), len(accepted) + refused, HUNDRED),
        "product_shipping": rate(len(shipped), len(due), HUNDRED),
        "deadline_compliance": rate(on_time, len(shipped), HUNDRED),
        "order_claims": rate(sum(1 for i in ids if i in claimed), len(ids), ZERO),
        "order_refunds": rate(sum(1 for i in ids if i in refunded), len(ids), ZERO),
    }


def _on_time(item: _Order) -> bool:
    # Seen shipped without the event's time (imported already shipped): on time for lack of a
    # date, as the marketplace counts a shipment it confirmed.
    if item.shipped_at is None or item.deadline is None:
        return True
    return item.shipped_at <= item.deadline


def rate(part: int, whole: int, empty: Decimal) -> Decimal:
    """``part`` in percent of ``whole`` to two decimals; ``empty`` when there is nothing."""
    if whole == 0:
        return empty
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.01"))


def _orders(
    session: Session, connection_id: int, since: datetime, now: datetime
) -> list[tuple[datetime, _Order]]:
    rows = session.execute(
        select(
            Order.id,
            Order.marketplace_order_id,
            Order.status,
            Order.shipping_deadline,
            Order.shipping_deadline_estimated,
            Order.purchased_at,
            Order.imported_at,
        ).where(
            Order.connection_id == connection_id,
            Order.imported_at >= since - timedelta(days=7),  # purchases are days older at most
        )
    ).all()
    found: dict[int, tuple[datetime, _Order]] = {}
    for row in rows:
        when = row.purchased_at or row.imported_at
        if since <= when <= now:
            # cdlink's own estimate of a deadline is no ground to count a shipment late.
            deadline = None if row.shipping_deadline_estimated else row.shipping_deadline
            found[row.id] = (when, _Order(row.id, row.marketplace_order_id, deadline))
            found[row.id][1].statuses.add(row.status)
    _add_events(session, found)
    return list(found.values())


def _add_events(session: Session, found: dict[int, tuple[datetime, _Order]]) -> None:
    ids = list(found)
    for start in range(0, len(ids), 500):
        events = session.execute(
            select(
                OrderStatusEvent.order_id,
                OrderStatusEvent.status,
                OrderStatusEvent.previous_status,
                OrderStatusEvent.changed_at,
            )
            .where(OrderStatusEvent.order_id.in_(ids[start : start + 500]))
            .order_by(OrderStatusEvent.changed_at)
        )
        for order_id, status, previous, changed_at in events:
            item = found[order_id][1]
            item.statuses.add(status)
            # The time of shipping only when cdlink saw the order become Shipped: an order
            # first seen shipped or delivered has no shipping time (on time, see ``_on_time``).
            if status == "Shipped" and previous is not None and item.shipped_at is None:
                item.shipped_at = changed_at


def _claimed(session: Session, connection_id: int) -> set[str]:
    rows = session.scalars(
        select(Discussion.marketplace_order_id).where(
            Discussion.connection_id == connection_id,
            Discussion.graduation.is_not(None),
            Discussion.graduation != "Discussion",
            Discussion.marketplace_order_id.is_not(None),
        )
    )
    return {row for row in rows if row}


def _refunded(session: Session, connection_id: int) -> set[str]:
    actions = session.scalars(
        select(Order.marketplace_order_id)
        .join(CustomerServiceAction, CustomerServiceAction.order_id == Order.id)
        .where(
            CustomerServiceAction.connection_id == connection_id,
            CustomerServiceAction.kind.in_(("refund", "gesture")),
            CustomerServiceAction.state != "failed",
        )
    )
    returns = session.scalars(
        select(OrderReturn.marketplace_order_id).where(
            OrderReturn.connection_id == connection_id,
            OrderReturn.marketplace_order_id.is_not(None),
        )
    )
    return {row for row in actions if row} | {row for row in returns if row}
