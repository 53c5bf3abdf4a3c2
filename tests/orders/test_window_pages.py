"""A window's pages are written as they arrive: a read that fails half-way loses and doubles
nothing, because the window joins the cursor only once it was read whole."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import MarketplaceClients
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order, OrderSyncEvent
from cdlink.sync.engine.windows import Window
from cdlink.sync.orders.stream import OrdersImporter
from tests.support.orders import assert_exactly_once, local_order_ids, marketplace_orders

PAGE = 20


class FailingPage(httpx.BaseTransport):
    """The sandbox, whose ``GET /orders`` answers 503 for page ``page`` while ``failing``."""

    def __init__(self, sandbox: Sandbox, page: int) -> None:
        self.inner = sandbox.transport()
        self.page = page
        self.failing = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        listing = request.url.path.endswith("/orders")
        if listing and self.failing and request.url.params.get("pageIndex") == str(self.page):
            return httpx.Response(503, json={"title": "Service Unavailable", "status": 503})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def events_by_order(shop: JobEnvironment) -> dict[str, list[str]]:
    """The sync events of each stored order, by marketplace id."""
    found: dict[str, list[str]] = {}
    with shop.database.reading() as session:
        query = (
            select(Order.marketplace_order_id, OrderSyncEvent.kind)
            .join(OrderSyncEvent, OrderSyncEvent.order_id == Order.id)
            .order_by(OrderSyncEvent.id)
        )
        for order_id, kind in session.execute(query):
            found.setdefault(order_id, []).append(kind)
    return found


def cursor_windows(shop: JobEnvironment) -> list[Window]:
    with shop.database.reading() as session:
        return OrdersImporter().cursor_for(1).finished(session)


def test_given_a_later_page_that_fails_when_the_window_is_read_again_then_none_is_lost_or_doubled(
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(OrdersImporter, "page_size", PAGE)
    sandbox.create_orders(75)
    expected = marketplace_orders(sandbox)
    assert len(expected) == 100  # five pages, the third of which fails
    transport = FailingPage(sandbox, page=3)
    assert isinstance(shop.clients, MarketplaceClients)
    shop.clients.transports = lambda: transport

    first = shop.runner().run(1, "orders")

    assert first.outcome != "succeeded"
    assert len(local_order_ids(shop.database)) == 2 * PAGE  # written as they came
    assert cursor_windows(shop) == []  # the window was not read whole: not committed
    transport.failing = False
    sandbox_clock.advance(61)
    second = shop.runner().run(1, "orders")

    assert second.outcome == "succeeded", second.message
    assert (second.counts["created"], second.counts["unchanged"]) == (3 * PAGE, 2 * PAGE)
    assert_exactly_once(shop, sandbox)
    assert Counter(map(tuple, events_by_order(shop).values())) == Counter({("imported",): 100})
