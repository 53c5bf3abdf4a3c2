"""How urgent an order's acceptance is: the pages and the API warn when less than 12 hours are
left, and when the (estimated) deadline has passed.

The marketplace sends no acceptance deadline (addendum §6 lists it as unknown), so cdlink's is
always an estimate (``records.ACCEPTANCE_WINDOW`` after the purchase), marked as such on the page
and in the API. The shipping deadline is the marketplace's (``shippedAtMax``) or none.
"""

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


def acceptance_deadline_estimated(order: Order) -> bool:
    """Whether the order's acceptance deadline is cdlink's estimate: always, when there is one."""
    return order.acceptance_deadline is not None
