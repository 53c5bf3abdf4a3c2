"""How urgent an order's acceptance is: the pages and the API warn when less than 12 hours are
left, and when the (estimated) deadline has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from cdlink.hub.orders.records import AWAITING_ACCEPTANCE
from cdlink.store.models import Order

#: Less time than this left to accept: the order is flagged "soon".
WARN_BEFORE = timedelta(hours=12)
OVERDUE, SOON, ON_TIME = "overdue", "soon", "on_time"


def acceptance_urgency(order: Order, now: datetime) -> str | None:
    """``overdue``, ``soon`` or ``on_time`` for an order waiting for acceptance; else None."""
    if order.status != AWAITING_ACCEPTANCE or order.acceptance_deadline is None:
        return None
    if order.acceptance_deadline <= now:
        return OVERDUE
    if order.acceptance_deadline - now < WARN_BEFORE:
        return SOON
    return ON_TIME
