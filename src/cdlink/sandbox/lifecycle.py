"""The order state machine of reference §7, shared by the API, the control API and the timers.

``Processing`` (hidden) → ``WaitingAcceptance`` → ``Accepted`` | ``Refused`` → ``InPreparation``
→ ``Shipped`` → ``Delivered``; ``Cancelled`` from any state before shipment. Every change bumps
``updatedAt`` (cdlink's importer reads with ``updatedAtMin``) and may schedule the next timer.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from cdlink.sandbox.config import SandboxConfig
from cdlink.sandbox.model import Order, OrderLine
from cdlink.sandbox.shop import SellerShop

CANCELLABLE = frozenset({"WaitingAcceptance", "Accepted", "InPreparation"})
CLOSED_LINE_STATUSES = frozenset({"Cancelled", "Refused", "Rejected"})
RESOLVES_CANCEL_REQUEST = frozenset({"Shipped", "Delivered", "Cancelled", "Refused"})


class Timers(Protocol):
    """Where state changes ask for a later event (implemented by the sandbox state)."""

    config: SandboxConfig

    def schedule(self, due: datetime, kind: str, seller_id: int, target: str) -> None: ...

    def random_for(self, *parts: object) -> random.Random: ...


class TransitionError(Exception):
    """The order is not in a state that allows the change (answered as 409)."""


def set_status(shop: SellerShop, order: Order, status: str, now: datetime) -> None:
    order.status = status
    order.status_events.append((status, now))
    for line in order.lines:
        if line.status in CLOSED_LINE_STATUSES:
            continue
        if line.status == "CancelRequest" and status not in RESOLVES_CANCEL_REQUEST:
            continue  # the customer's request stands until the seller ships or cancels
        line.status = status
        line.status_events.append((status, now))
    shop.touch(order, now)


def place(timers: Timers, shop: SellerShop, order: Order, now: datetime) -> None:
    """A new order: take its stock, then let it surface after Octopia's checks."""
    for line in order.lines:
        offer = shop.offers.get(line.seller_external_reference)
        if offer is not None:
            offer.quantity = max(0, offer.quantity - line.quantity)
            offer.updated_at = max(offer.updated_at, now)
    order.status_events.append(("Processing", now))
    shop.add_order(order)
    shop.count("orders.created")
    due = now + timedelta(seconds=timers.config.processing_seconds)
    timers.schedule(due, "order.visible", shop.seller_id, order.order_id)
    if timers.random_for(order.order_id, "cancel").random() < (
        timers.config.customer_cancel_probability
    ):
        delay = timers.random_for(order.order_id, "cancel-at").uniform(600, 86400)
        timers.schedule(
            now + timedelta(seconds=delay), "order.customer_cancel", shop.seller_id, order.order_id
        )


def make_visible(timers: Timers, shop: SellerShop, order: Order, now: datetime) -> None:
    if order.status != "Processing":
        return
    shop.publish(order)
    if shop.auto_accept_orders or timers.config.auto_accept_orders:
        set_status(shop, order, "Accepted", now)
        shop.count("orders.accepted")
        schedule_preparation(timers, shop, order, now)
        return
    set_status(shop, order, "WaitingAcceptance", now)
    due = now + timedelta(seconds=timers.config.acceptance_timeout_seconds)
    timers.schedule(due, "order.acceptance_timeout", shop.seller_id, order.order_id)


def schedule_preparation(timers: Timers, shop: SellerShop, order: Order, now: datetime) -> None:
    due = now + timedelta(seconds=timers.config.preparation_seconds)
    timers.schedule(due, "order.prepare", shop.seller_id, order.order_id)


def approve(timers: Timers, shop: SellerShop, order: Order, decision: str, now: datetime) -> None:
    if order.status != "WaitingAcceptance":
        raise TransitionError(f"order {order.order_id} is {order.status}, not WaitingAcceptance")
    if decision == "Refused":
        restock(shop, order.lines, now)
        set_status(shop, order, "Refused", now)
        shop.count("orders.refused")
        return
    set_status(shop, order, "Accepted", now)
    shop.count("orders.accepted")
    schedule_preparation(timers, shop, order, now)


def acceptance_timeout(shop: SellerShop, order: Order, now: datetime) -> None:
    if order.status == "WaitingAcceptance":
        cancel(shop, order, now, reason="AcceptanceTimeout", requested_by="Marketplace")
        shop.count("orders.expired")


def prepare(shop: SellerShop, order: Order, now: datetime) -> None:
    if order.status == "Accepted":
        set_status(shop, order, "InPreparation", now)


def ship(
    timers: Timers,
    shop: SellerShop,
    order: Order,
    parcels: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Record parcels on their lines; when every open line has one, the order is Shipped."""
    if order.status != "InPreparation":
        raise TransitionError(f"order {order.order_id} is {order.status}, not InPreparation")
    open_lines = [line for line in order.lines if line.status not in CLOSED_LINE_STATUSES]
    for parcel in parcels:
        wanted = parcel.get("orderLineIds") or [line.line_id for line in open_lines]
        record = {key: parcel.get(key) for key in ("parcelNumber", "carrierName", "trackingUrl")}
        for line in open_lines:
            if line.line_id in wanted:
                line.parcels.append(record)
    if all(line.parcels for line in open_lines):
        order.shipped_at = now
        set_status(shop, order, "Shipped", now)
        shop.count("orders.shipped")
        delay = timers.random_for(order.order_id, "delivery").uniform(
            timers.config.delivery_seconds_min, timers.config.delivery_seconds_max
        )
        timers.schedule(
            now + timedelta(seconds=delay), "order.deliver", shop.seller_id, order.order_id
        )
    else:
        shop.touch(order, now)


def deliver(shop: SellerShop, order: Order, now: datetime) -> None:
    if order.status == "Shipped":
        set_status(shop, order, "Delivered", now)


def customer_cancel_request(shop: SellerShop, order: Order, line: OrderLine, now: datetime) -> bool:
    """The customer asks to cancel a line; it waits for the seller to ship or cancel it."""
    if order.status not in CANCELLABLE or line.status in CLOSED_LINE_STATUSES:
        return False
    line.status = "CancelRequest"
    line.status_events.append(("CancelRequest", now))
    shop.touch(order, now)
    shop.count("lines.cancel_requested")
    return True


def cancel(
    shop: SellerShop, order: Order, now: datetime, *, reason: str, requested_by: str
) -> None:
    if order.status not in CANCELLABLE:
        raise TransitionError(f"order {order.order_id} is {order.status} and cannot be cancelled")
    restock(shop, order.lines, now)
    order.cancellation = {
        "reason": reason,
        "requestedBy": requested_by,
        "requestedAt": now,
        "lineIds": [line.line_id for line in order.lines],
    }
    set_status(shop, order, "Cancelled", now)
    shop.count("orders.cancelled")


def cancel_lines(shop: SellerShop, order: Order, lines: list[OrderLine], now: datetime) -> None:
    """Cancel some lines; cancelling the last open one cancels the order."""
    if order.status not in CANCELLABLE:
        raise TransitionError(f"order {order.order_id} is {order.status} and cannot be cancelled")
    restock(shop, lines, now)
    for line in lines:
        line.status = "Cancelled"
        line.status_events.append(("Cancelled", now))
    if all(line.status in CLOSED_LINE_STATUSES for line in order.lines):
        order.status = "Cancelled"
        order.status_events.append(("Cancelled", now))
        shop.count("orders.cancelled")
    shop.touch(order, now)


def restock(shop: SellerShop, lines: list[OrderLine], now: datetime) -> None:
    """Give back the units of lines that will never ship (the sandbox's choice, see docs)."""
    for line in lines:
        if line.status in CLOSED_LINE_STATUSES:
            continue
        offer = shop.offers.get(line.seller_external_reference)
        if offer is not None:
            offer.quantity += line.quantity
            offer.updated_at = max(offer.updated_at, now)
