"""Orders (§6.2): list what changed, count, read, accept or refuse, ship, cancel.

Writes are not repeated after a connection dropped once the request was sent (``ship`` twice is
two shipments); such a failure is a ``TransportError`` with ``request_sent=True``, and the caller
reads the order back before trying again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from cdlink.octopia.errors import InvalidRequest, MalformedResponse
from cdlink.octopia.models.after_sales import REFUND_ORDER_STATUSES
from cdlink.octopia.models.orders import (
    ApprovalStatus,
    CancellationReason,
    Order,
    OrderStatus,
    Parcel,
    PartialCancellationLine,
)
from cdlink.octopia.pagination import Page, iterate_page_numbers
from cdlink.octopia.responses import json_body
from cdlink.octopia.services.base import Service, api_time, read_count, segment
from cdlink.octopia.services.rules import refuse, translate

MAXIMUM_PAGE_SIZE = 100
#: "Newest first", as the two spellings of ``sort`` are known (§9 #6): the official
#: ``sort=updatedAt&desc=true``, and ``sort=desc:updatedAt`` as one client sends it.
NEWEST_FIRST: tuple[tuple[str, bool | None], ...] = (("updatedAt", True), ("desc:updatedAt", None))


@dataclasses.dataclass(frozen=True)
class OrderQuery:
    """Filters of ``GET /orders`` and ``GET /orders/count`` (§6.2.2); None means "any"."""

    updated_at_min: datetime | None = None
    updated_at_max: datetime | None = None
    created_at_min: datetime | None = None
    created_at_max: datetime | None = None
    statuses: Sequence[OrderStatus | str] = ()
    sales_channel_id: str | None = None
    reference: str | None = None
    supply_mode: str | None = None
    business_order: bool | None = None
    sort: str | None = None
    desc: bool | None = None

    def params(self) -> dict[str, Any]:
        times = {
            "updatedAtMin": self.updated_at_min,
            "updatedAtMax": self.updated_at_max,
            "createdAtMin": self.created_at_min,
            "createdAtMax": self.created_at_max,
        }
        return {
            **{name: api_time(value) for name, value in times.items() if value is not None},
            # Several statuses go as a repeated parameter (status=A&status=B).
            "status": [str(status) for status in self.statuses],
            "salesChannelId": self.sales_channel_id,
            "reference": self.reference,
            "supplyMode": self.supply_mode,
            "businessOrder": _flag(self.business_order),
            "sort": self.sort,
            "desc": _flag(self.desc),
        }


class OrdersService(Service):
    group = "orders"
    #: The spelling of "newest first" the marketplace accepted (None: not asked yet).
    _newest_first: tuple[str, bool | None] | None = None

    def newest_page(
        self,
        updated_at_min: datetime,
        *,
        page_index: int = 1,
        page_size: int = MAXIMUM_PAGE_SIZE,
    ) -> Page[Order]:
        """A page of the orders updated at or after ``updated_at_min``, newest first, with no
        upper bound: an order updated meanwhile moves to the front, ahead of the pages still to
        read (``cdlink.sync.engine.window_reads``).

        The sort goes in the official spelling first, the prefixed one after a 400; the one the
        marketplace accepted is kept for this client's later pages. Raises ``InvalidRequest``
        when it accepts neither.
        """
        *first, last = (self._newest_first,) if self._newest_first else NEWEST_FIRST
        for spelling in first:
            try:
                return self._newest_page(spelling, updated_at_min, page_index, page_size)
            except InvalidRequest:
                continue
        return self._newest_page(last, updated_at_min, page_index, page_size)

    def _newest_page(
        self,
        spelling: tuple[str, bool | None],
        updated_at_min: datetime,
        page_index: int,
        page_size: int,
    ) -> Page[Order]:
        sort, desc = spelling
        query = OrderQuery(updated_at_min=updated_at_min, sort=sort, desc=desc)
        page = self.list_page(query, page_index=page_index, page_size=page_size)
        self._newest_first = spelling
        return page

    def list_page(
        self, query: OrderQuery, *, page_index: int = 1, page_size: int = MAXIMUM_PAGE_SIZE
    ) -> Page[Order]:
        _check_page_size(page_size)
        return self._numbered_page(
            Order, "/orders", index=page_index, page_size=page_size, params=query.params()
        )

    def list_pages(
        self, query: OrderQuery, *, page_size: int = MAXIMUM_PAGE_SIZE
    ) -> Iterator[Page[Order]]:
        """Every page of ``query``; unreadable orders are in each page's ``rejected``."""
        _check_page_size(page_size)
        return iterate_page_numbers(
            lambda index: self.list_page(query, page_index=index, page_size=page_size),
            page_size=page_size,
        )

    def list_changed(
        self,
        updated_at_min: datetime,
        updated_at_max: datetime | None = None,
        *,
        statuses: Sequence[OrderStatus | str] = (),
        page_size: int = MAXIMUM_PAGE_SIZE,
    ) -> Iterator[Order]:
        """Orders updated in ``[updated_at_min, updated_at_max]``, all pages.

        Strict: an order that cannot be read raises ``MalformedResponse``. The sync engine uses
        ``list_pages`` instead, to quarantine such an order and keep the others.
        """
        query = OrderQuery(
            updated_at_min=updated_at_min, updated_at_max=updated_at_max, statuses=statuses
        )
        for page in self.list_pages(query, page_size=page_size):
            if page.rejected:
                raise MalformedResponse(
                    f"an order of page {page.index} cannot be read: {page.rejected[0].reason}"
                )
            yield from page.items

    def count(self, query: OrderQuery | None = None) -> int:
        params = (query or OrderQuery()).params()
        payload, response = self._json("GET", "/orders/count", params=params)
        return read_count(payload, response)

    def get(self, order_id: str) -> Order:
        return self._one(Order, f"/orders/{segment(order_id)}")

    def accept(self, order_id: str) -> None:
        self._approve(order_id, ApprovalStatus.ACCEPTED)

    def refuse(self, order_id: str) -> None:
        self._approve(order_id, ApprovalStatus.REFUSED)

    def _approve(self, order_id: str, status: ApprovalStatus) -> None:
        # The body key is snake_case, unlike the rest of the API (§6.2.5, three codebases).
        body = {"approval_status": status.value}
        self._send("POST", f"/orders/{segment(order_id)}/approval-status", json=body)

    def ship(self, order_id: str, parcels: Sequence[Parcel]) -> None:
        """Declare the shipment of ``parcels`` (201); a parcel without line ids covers them all."""
        if not parcels:
            raise ValueError("a shipment needs at least one parcel")
        body = [parcel.to_payload() for parcel in parcels]
        self._send("POST", f"/orders/{segment(order_id)}/shipments", json=body)

    def cancel(self, order_id: str, reason: str, *, shipping_cost_refund: bool = True) -> Any:
        """Cancel the whole order; returns the answer's body (None when empty).

        Where Octopia answers that V2 cancellations are for Octopia orders only (addendum §2),
        this raises ``RuleViolation(rule="cancellation_unavailable")``."""
        body = {
            "orderSellerId": order_id,
            "reason": reason,
            "shippingCostRefund": shipping_cost_refund,
        }
        with translate("cancellation_unavailable"):
            return self._optional_json("/order-cancellation-requests", body)

    def refund(
        self,
        order_id: str,
        reason: str,
        *,
        shipping_cost_refund: bool = True,
        order: Order | None = None,
    ) -> Any:
        """Refund the customer of an order past acceptance (shipped or delivered included):
        a cancellation request with a reason from ``cancellation_reasons(status)`` and the
        shipping-fee flag. The order is read first unless given; an order not yet accepted is
        refused before anything is sent (``RuleViolation``)."""
        check_refund(order or self.get(order_id))
        return self.cancel(order_id, reason, shipping_cost_refund=shipping_cost_refund)

    def cancel_lines(self, order_id: str, lines: Sequence[PartialCancellationLine]) -> Any:
        """Cancel some lines of the order; returns the answer's body (None when empty)."""
        if not lines:
            raise ValueError("a partial cancellation needs at least one line")
        body = {"orderSellerId": order_id, "lines": [line.to_payload() for line in lines]}
        with translate("cancellation_unavailable"):
            return self._optional_json("/order-partial-cancellation-requests", body)

    def cancellation_reasons(
        self, order_status: OrderStatus | str | None = None
    ) -> list[CancellationReason]:
        params = {
            "salesChannel": self.sales_channel_id,
            "userType": "Seller",
            "orderStatus": str(order_status) if order_status is not None else None,
        }
        return self._list(CancellationReason, "/cancellation-reasons", params=params)

    def _optional_json(self, path: str, body: Any) -> Any:
        response = self._send("POST", path, json=body)
        return json_body(response) if response.content.strip() else None


def check_refund(order: Order) -> None:
    if order.status not in REFUND_ORDER_STATUSES:
        raise refuse(
            "order_status",
            f"a refund needs an order past acceptance; {order.order_id} is {order.status}",
        )


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAXIMUM_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAXIMUM_PAGE_SIZE}")
