"""Commercial gestures (§6.2.8), refunds (§6.2.7 after acceptance) and returns (§6.7).

The rules are checked before anything is sent (``RuleViolation``, ``sent`` False): a gesture
needs a ``Shipped`` or ``Delivered`` order and at most its ``allowableAmount``, and
``reasonDetails`` when the reason is ``Other``; a refund needs an order past acceptance.
``/returns`` serves Octopia fulfilment orders only; there is no API for returns of orders the
seller ships itself (they go through discussions and refunds).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from cdlink.octopia.models.after_sales import (
    GESTURE_ORDER_STATUSES,
    AvailableAmount,
    CommercialGesture,
    GestureReason,
    Return,
    ReturnLine,
    ReturnStatus,
)
from cdlink.octopia.models.orders import Order, OrderStatus
from cdlink.octopia.pagination import Page, iterate_cursor, iterate_page_numbers
from cdlink.octopia.services.base import Service, api_time, read_count, read_one, segment
from cdlink.octopia.services.rules import refuse, translate

MAXIMUM_GESTURE_LIMIT = 1000
MAXIMUM_PAGE_SIZE = 100


class CommercialGesturesService(Service):
    group = "orders"

    def available_amount(self, order_id: str) -> AvailableAmount:
        path = f"/orders/{segment(order_id)}/commercial-gestures-available-amounts"
        return self._one(AvailableAmount, path)

    def request(
        self,
        order_id: str,
        reason: GestureReason | str,
        amount: Decimal | int,
        *,
        reason_details: str | None = None,
        order: Order | None = None,
        available: AvailableAmount | None = None,
    ) -> CommercialGesture:
        """Ask for a gesture of ``amount`` euros. The order and its available amount are read
        first unless given; a request breaking a rule is refused before it is sent."""
        amount = Decimal(amount) if isinstance(amount, int) else amount
        check_gesture_input(reason, amount, reason_details)
        status = (order or self._order(order_id)).status
        if status not in GESTURE_ORDER_STATUSES:
            raise refuse(
                "order_status",
                f"a commercial gesture needs a Shipped or Delivered order; {order_id} is {status}",
            )
        ceiling = (available or self.available_amount(order_id)).allowable_amount
        if amount > ceiling:
            raise refuse(
                "gesture_amount",
                f"{amount} EUR is above the allowable amount of order {order_id}, {ceiling} EUR",
            )
        body = {
            "orderId": order_id,
            "reason": str(reason),
            "amount": float(amount),
            "reasonDetails": reason_details,
        }
        with translate("gesture_amount", "gesture_reason_details", "order_status"):
            payload, response = self._json("POST", "/order-commercial-gesture-requests", json=body)
        return read_one(CommercialGesture, payload, response)

    def list_pages(
        self,
        *,
        order_id: str | None = None,
        updated_at_min: datetime | None = None,
        limit: int = MAXIMUM_GESTURE_LIMIT,
    ) -> Iterator[Page[CommercialGesture]]:
        if not 1 <= limit <= MAXIMUM_GESTURE_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAXIMUM_GESTURE_LIMIT}")
        params = {
            "orderId": order_id,
            "updatedAtMin": api_time(updated_at_min) if updated_at_min else None,
            "limit": limit,
        }
        path = "/order-commercial-gesture-requests"
        return iterate_cursor(
            lambda link: self._cursor_page(CommercialGesture, path, link=link, params=params)
        )

    def list(self, *, order_id: str | None = None) -> Iterator[CommercialGesture]:
        for page in self.list_pages(order_id=order_id):
            yield from page.items

    def _order(self, order_id: str) -> Order:
        return self._one(Order, f"/orders/{segment(order_id)}")


def check_gesture_input(
    reason: GestureReason | str, amount: Decimal, reason_details: str | None
) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise refuse("gesture_amount", f"a gesture is a positive amount in euros, not {amount}")
    if amount != amount.quantize(Decimal("0.01")):
        raise refuse("gesture_amount", f"{amount} has more than two decimals")
    if str(reason) == GestureReason.OTHER and not (reason_details or "").strip():
        raise refuse("gesture_reason_details", "reasonDetails is required when reason is Other")


@dataclasses.dataclass(frozen=True)
class ReturnQuery:
    updated_at_min: datetime | None = None
    updated_at_max: datetime | None = None
    status: ReturnStatus | str | None = None
    order_id: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "updatedAtMin": api_time(self.updated_at_min) if self.updated_at_min else None,
            "updatedAtMax": api_time(self.updated_at_max) if self.updated_at_max else None,
            "status": None if self.status is None else str(self.status),
            "orderSellerId": self.order_id,
        }


class ReturnsService(Service):
    """Customer and carrier returns of Octopia fulfilment orders (only those)."""

    group = "returns"

    def list_pages(
        self, query: ReturnQuery | None = None, *, page_size: int = MAXIMUM_PAGE_SIZE
    ) -> Iterator[Page[Return]]:
        params = (query or ReturnQuery()).params()
        return iterate_page_numbers(
            lambda index: self._numbered_page(
                Return, "/returns", index=index, page_size=page_size, params=params
            ),
            page_size=page_size,
        )

    def count(self, query: ReturnQuery | None = None) -> int:
        payload, response = self._json(
            "GET", "/returns/count", params=(query or ReturnQuery()).params()
        )
        return read_count(payload, response)

    def get(self, return_id: str) -> Return:
        return self._one(Return, f"/returns/{segment(return_id)}")

    def create(
        self,
        order_id: str,
        reason: str,
        *,
        lines: Sequence[ReturnLine] = (),
        comment: str | None = None,
        order: Order | None = None,
    ) -> Return:
        """Declare a customer return of a fulfilment order (``order`` lets cdlink check first
        that Octopia fulfilled it and that it was shipped)."""
        if order is not None:
            check_returnable(order)
        body: dict[str, Any] = {"orderSellerId": order_id, "reason": reason, "comment": comment}
        if lines:
            body["lines"] = [line.to_payload() for line in lines]
        with translate("returns_fulfilment_only", "order_status"):
            payload, response = self._json("POST", "/returns", json=body)
        return read_one(Return, payload, response)

    def label(self, return_id: str) -> bytes:
        """The return label (a PDF; only for French fulfilment orders, never carrier returns)."""
        return self._send("GET", f"/returns/{segment(return_id)}/labels").content


def check_returnable(order: Order) -> None:
    modes = {line.offer.supply_mode for line in order.lines if line.offer is not None}
    if modes and modes != {"Fulfillment"}:
        raise refuse(
            "returns_fulfilment_only",
            f"order {order.order_id} is shipped by the seller: /returns serves Octopia "
            "fulfilment orders only; handle the return through a discussion and a refund",
        )
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise refuse("order_status", f"order {order.order_id} is {order.status}, not shipped")
