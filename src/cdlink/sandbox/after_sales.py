"""After-sales money and goods (reference §6.2.7, §6.2.8, §6.7; addendum §2).

- Commercial gestures: only on ``Shipped``/``Delivered`` orders, up to ``allowableAmount`` (what
  the customer paid on open lines, minus earlier gestures); a request is ``Pending`` until
  ``gesture_processing_seconds`` later, then ``Accepted``.
- Refunds: a cancellation request on a ``Shipped``/``Delivered`` order refunds it (Lengow's
  mapping: the order ends ``Cancelled``); the goods are gone, so nothing is restocked.
- Returns: Octopia fulfilment orders only; ``Created`` → ``Pending`` → ``Referencing`` →
  ``Referenced`` → ``Accepted`` → ``Completed``, one step every ``return_step_seconds``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cdlink.sandbox.lifecycle import CLOSED_LINE_STATUSES, Timers, set_status
from cdlink.sandbox.model import GestureRequest, Order, Return
from cdlink.sandbox.pricing import cents
from cdlink.sandbox.shop import SellerShop

GESTURE_STATUSES = frozenset({"Shipped", "Delivered"})
REFUNDABLE = frozenset({"Shipped", "Delivered"})
GESTURE_REASONS = (
    "MissingProduct",
    "DamagedProduct",
    "LateDelivery",
    "ProductNotAsDescribed",
    "CustomerDissatisfaction",
    "Other",
)
RETURN_STEPS = ("Created", "Pending", "Referencing", "Referenced", "Accepted", "Completed")
RETURN_REASONS = ("ReferenceError", "Damaged", "Retraction", "TransportDamage", "Defective")
FULFILMENT = "Fulfillment"


def paid(order: Order) -> Decimal:
    """What the customer paid for the open lines (shipping included)."""
    return cents(
        sum(
            (
                line.unit_selling_price * line.quantity + line.shipping_cost
                for line in order.lines
                if line.status not in CLOSED_LINE_STATUSES
            ),
            Decimal(0),
        )
    )


def allowable(shop: SellerShop, order: Order) -> Decimal:
    if order.status not in GESTURE_STATUSES:
        return Decimal("0.00")
    granted = sum(
        (g.amount for g in shop.gestures if g.order_id == order.order_id and g.status != "Refused"),
        Decimal(0),
    )
    return max(Decimal("0.00"), cents(paid(order) - granted))


def request_gesture(
    timers: Timers,
    shop: SellerShop,
    order: Order,
    *,
    request_id: str,
    reason: str,
    reason_details: str | None,
    amount: Decimal,
    now: datetime,
) -> GestureRequest:
    gesture = GestureRequest(
        request_id=request_id,
        order_id=order.order_id,
        reason=reason,
        reason_details=reason_details,
        amount=cents(amount),
        status="Pending",
        created_at=now,
        updated_at=now,
    )
    shop.gestures.append(gesture)
    shop.count("gestures.requested")
    due = now + timedelta(seconds=timers.config.gesture_processing_seconds)
    timers.schedule(due, "gesture.process", shop.seller_id, request_id)
    return gesture


def process_gesture(shop: SellerShop, request_id: str, now: datetime) -> None:
    for gesture in shop.gestures:
        if gesture.request_id == request_id and gesture.status == "Pending":
            gesture.status, gesture.updated_at = "Accepted", max(now, gesture.updated_at)


def refund(shop: SellerShop, order: Order, now: datetime, *, reason: str) -> None:
    """A shipped order cancelled by the seller: the customer is refunded, nothing restocked."""
    order.cancellation = {
        "reason": reason,
        "requestedBy": "Seller",
        "requestedAt": now,
        "lineIds": [line.line_id for line in order.lines],
        "refunded": True,
    }
    set_status(shop, order, "Cancelled", now)
    shop.count("orders.refunded")


def create_return(
    timers: Timers,
    shop: SellerShop,
    order: Order,
    *,
    return_id: str,
    reason: str,
    comment: str | None,
    lines: list[dict[str, Any]],
    now: datetime,
) -> Return:
    item = Return(
        return_id=return_id,
        order_id=order.order_id,
        kind="Customer",
        status="Created",
        reason=reason,
        comment=comment,
        lines=lines,
        parcel_id=f"RT{return_id[-8:].upper()}",
        created_at=now,
        updated_at=now,
    )
    shop.returns[return_id] = item
    shop.count("returns.created")
    schedule_step(timers, shop, item, now)
    return item


def schedule_step(timers: Timers, shop: SellerShop, item: Return, now: datetime) -> None:
    if item.status != RETURN_STEPS[-1]:
        due = now + timedelta(seconds=timers.config.return_step_seconds)
        timers.schedule(due, "return.step", shop.seller_id, item.return_id)


def advance_return(timers: Timers, shop: SellerShop, return_id: str, now: datetime) -> None:
    item = shop.returns.get(return_id)
    if item is None or item.status == RETURN_STEPS[-1]:
        return
    item.status = RETURN_STEPS[RETURN_STEPS.index(item.status) + 1]
    if item.status == "Referencing":
        item.receipt_date = now
    item.updated_at = max(now, item.updated_at)
    schedule_step(timers, shop, item, now)
