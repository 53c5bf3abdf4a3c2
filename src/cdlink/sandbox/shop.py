"""One seller's shop in the sandbox: offers, orders (indexed by time), packages, cancellations.

Orders are kept in two sorted indexes (by ``updatedAt`` and by ``createdAt``) so that a page of
a time-filtered listing costs a binary search and a slice, not a scan of 100,000 orders.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cdlink.sandbox.catalog import ProductShop
from cdlink.sandbox.invoices import InvoiceBook
from cdlink.sandbox.model import (
    CancellationRequest,
    Discussion,
    GestureRequest,
    Offer,
    Order,
    Package,
    Return,
)

IndexKey = tuple[float, str]


class OrderIndex:
    """Order ids sorted by one timestamp, with the order id breaking ties."""

    def __init__(self) -> None:
        self._keys: list[IndexKey] = []

    def add(self, moment: datetime, order_id: str) -> None:
        bisect.insort(self._keys, (moment.timestamp(), order_id))

    def move(self, old: datetime, new: datetime, order_id: str) -> None:
        old_key = (old.timestamp(), order_id)
        position = bisect.bisect_left(self._keys, old_key)
        if position < len(self._keys) and self._keys[position] == old_key:
            del self._keys[position]
        self.add(new, order_id)

    def bounds(self, start: datetime | None, end: datetime | None) -> tuple[int, int]:
        """Positions ``[low, high)`` of the keys with ``start <= time <= end``."""
        low = 0 if start is None else bisect.bisect_left(self._keys, (start.timestamp(), ""))
        high = len(self._keys)
        if end is not None:
            high = bisect.bisect_right(self._keys, (end.timestamp(), "\U0010ffff"))
        return low, max(low, high)

    def order_id_at(self, position: int) -> str:
        return self._keys[position][1]

    def __len__(self) -> int:
        return len(self._keys)


class SellerShop:
    """Everything the sandbox knows about one seller account."""

    def __init__(self, seller_id: int, created_at: datetime) -> None:
        self.seller_id = seller_id
        self.created_at = created_at
        self.auto_accept_orders = False
        self.offers: dict[str, Offer] = {}
        self._offer_keys: list[str] = []
        self.orders: dict[str, Order] = {}
        self.by_updated = OrderIndex()
        self.by_created = OrderIndex()
        self.packages: dict[str, Package] = {}
        self.package_order: list[str] = []
        self.xml_packages: dict[str, Any] = {}  # xml_packages.XmlPackage by id
        self.cancellations: list[CancellationRequest] = []
        self.counters: dict[str, int] = {}
        self.discussions: dict[str, Discussion] = {}
        self.gestures: list[GestureRequest] = []
        self.returns: dict[str, Return] = {}
        self._serials: dict[str, int] = {}
        self.catalog = ProductShop()
        self.invoice_book = InvoiceBook()

    # --- offers -----------------------------------------------------------------------------
    def put_offer(self, offer: Offer) -> None:
        if offer.seller_external_reference not in self.offers:
            bisect.insort(self._offer_keys, offer.seller_external_reference)
        self.offers[offer.seller_external_reference] = offer

    def delete_offer(self, reference: str) -> None:
        if self.offers.pop(reference, None) is not None:
            position = bisect.bisect_left(self._offer_keys, reference)
            del self._offer_keys[position]

    def offers_after(self, reference: str | None) -> Iterator[Offer]:
        """Offers sorted by seller reference, starting after ``reference`` (a cursor)."""
        start = 0 if reference is None else bisect.bisect_right(self._offer_keys, reference)
        for key in self._offer_keys[start:]:
            yield self.offers[key]

    def offers_in_stock(self) -> list[Offer]:
        return [offer for offer in self.offers.values() if offer.state == "Active"]

    # --- orders -----------------------------------------------------------------------------
    def add_order(self, order: Order) -> None:
        """Keep a new order; it is indexed (listed) only once it leaves ``Processing``."""
        self.orders[order.order_id] = order

    def publish(self, order: Order) -> None:
        self.by_created.add(order.created_at, order.order_id)

    def touch(self, order: Order, moment: datetime) -> None:
        """Record a change: ``updatedAt`` moves (never backwards) and cached JSON is stale."""
        new = max(moment, order.updated_at)
        if order.status != "Processing":
            self.by_updated.move(order.updated_at, new, order.order_id)
        order.updated_at = new
        order.version += 1

    def serial(self, kind: str, start: int) -> str:
        """The next number of ``kind`` (discussion, message…): readable, seed-independent ids."""
        value = self._serials.get(kind, start) + 1
        self._serials[kind] = value
        return str(value)

    def touch_discussion(self, discussion: Discussion, moment: datetime) -> None:
        """A new message or status: ``updatedAt`` moves, never backwards (sync windows)."""
        discussion.updated_at = max(moment, discussion.updated_at)

    def count(self, name: str, increment: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + increment
