"""Orders that change while the orders stream pages through a window: none is skipped.

The marketplace pages ``GET /orders`` by page number. An order updated while the stream reads a
window leaves that window (its new ``updatedAt`` is later), so every order after it moves one
place up and the first order of the next page would be read by nobody. These tests make orders
change between the pages and check that every order still in the window was imported by the run
that committed it, not left to a later look-back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import MarketplaceClients
from cdlink.sandbox import Sandbox
from cdlink.sync.engine.windows import Window
from cdlink.sync.orders.stream import OrdersImporter
from tests.support.orders import (
    assert_exactly_once,
    local_order_ids,
    marketplace_orders,
    run_until_success,
)


class ChangingPages(httpx.BaseTransport):
    """The sandbox, where ``change`` runs after each of the first ``times`` full order pages.

    Unless ``newest_first``, it refuses any sorted list (400) as a marketplace that knows
    neither spelling would: the stream then reads its live window counted, which is what most
    of these tests are about (refused calls are listed as ``refused``)."""

    def __init__(
        self,
        sandbox: Sandbox,
        change: Callable[[list[str]], None],
        times: int,
        *,
        newest_first: bool = False,
    ) -> None:
        self.inner = sandbox.transport()
        self.change = change
        self.times = times
        self.newest_first = newest_first
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "sort" in request.url.params and not self.newest_first:
            self.calls.append("refused")
            return httpx.Response(400, json={"title": "Unknown parameter sort", "status": 400})
        response = self.inner.handle_request(request)
        self.calls.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path.endswith("/orders") and response.status_code == 200 and self.times:
            items = response.json()["items"]
            if len(items) == int(request.url.params["pageSize"]):
                self.times -= 1
                self.change([item["orderId"] for item in items])
        return response

    def close(self) -> None:
        self.inner.close()


def finished_windows(shop: JobEnvironment) -> list[Window]:
    with shop.database.reading() as session:
        return OrdersImporter().cursor_for(1).finished(session)


def use(shop: JobEnvironment, transport: ChangingPages) -> None:
    assert isinstance(shop.clients, MarketplaceClients)
    shop.clients.transports = lambda: transport


def cancel_requested(sandbox: Sandbox, clock: ManualClock) -> Callable[[list[str]], None]:
    """A change that makes the customer of the page's first orders ask to cancel, a second on."""

    def change(order_ids: list[str]) -> None:
        clock.advance(1)
        for order_id in order_ids[:3]:
            sandbox.customer_cancel_request(order_id)

    return change


def read_while_changing(
    shop: JobEnvironment, sandbox: Sandbox, clock: ManualClock, *, times: int
) -> None:
    """One run while orders change after ``times`` full pages: every order is stored by it."""
    before = set(marketplace_orders(sandbox))
    use(shop, ChangingPages(sandbox, cancel_requested(sandbox, clock), times=times))

    report = shop.runner().run(1, "orders")

    assert report.outcome == "succeeded", report.message
    assert set(marketplace_orders(sandbox)) == before  # the same orders, some updated
    assert set(local_order_ids(shop.database)) == before
    clock.advance(60)
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    assert_exactly_once(shop, sandbox)


@pytest.mark.slow
def test_given_orders_updated_between_pages_when_the_window_is_read_then_none_is_skipped(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    sandbox.create_orders(280)  # three pages of orders updated in the window

    read_while_changing(shop, sandbox, sandbox_clock, times=1)


@pytest.mark.slow
def test_given_orders_changing_at_every_page_when_the_window_is_read_then_none_is_skipped(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    for _ in range(6):
        sandbox.create_orders(90)
        sandbox_clock.advance(30)

    read_while_changing(shop, sandbox, sandbox_clock, times=8)


def test_given_an_unchanged_window_of_one_page_then_it_costs_one_call(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    transport = ChangingPages(sandbox, lambda ids: None, times=0, newest_first=True)
    use(shop, transport)
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    sandbox_clock.advance(60)
    transport.calls.clear()

    assert shop.runner().run(1, "orders").outcome == "succeeded"

    assert transport.calls == ["orders"]


def test_given_both_sort_spellings_refused_when_the_live_window_is_read_then_it_is_read_counted(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    transport = ChangingPages(sandbox, lambda ids: None, times=0)
    use(shop, transport)
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    sandbox_clock.advance(60)
    sandbox.create_orders(5)
    transport.calls.clear()

    assert shop.runner().run(1, "orders").outcome == "succeeded"

    # both spellings refused, then the window's first page: short, so whole
    assert transport.calls == ["refused", "refused", "orders"]
    assert_exactly_once(shop, sandbox)


@pytest.mark.parametrize("spelling", ["field", "prefixed"])
def test_given_orders_changing_at_every_page_when_read_newest_first_then_one_pass_is_whole(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock, spelling: str
) -> None:
    sandbox.set_variants(orders_sort=spelling)
    assert shop.runner().run(1, "orders").outcome == "succeeded"  # the first import, counted
    sandbox_clock.advance(60)
    for _ in range(6):
        sandbox.create_orders(90)
        sandbox_clock.advance(30)
    before = set(marketplace_orders(sandbox))
    transport = ChangingPages(
        sandbox, cancel_requested(sandbox, sandbox_clock), times=10_000, newest_first=True
    )
    use(shop, transport)

    report = shop.runner().run(1, "orders")

    assert report.outcome == "succeeded", report.message
    assert set(local_order_ids(shop.database)) == before
    # 540 orders: five full pages and a short one, once; no count, no second pass, no halves
    # (the prefixed spelling costs one refused call first).
    assert transport.calls.count("count") == 0
    assert transport.calls.count("orders") == 6 + (spelling == "prefixed"), transport.calls
    transport.times = 0
    sandbox_clock.advance(60)
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    assert_exactly_once(shop, sandbox)


@pytest.mark.slow
def test_given_a_second_of_orders_that_never_stops_changing_then_the_run_is_tried_again_soon(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    instant = sandbox_clock.now()
    sandbox.create_orders(400)  # all updated in the same instant: no smaller window holds fewer
    transport = ChangingPages(sandbox, cancel_requested(sandbox, sandbox_clock), times=10_000)
    use(shop, transport)

    report = shop.runner().run(1, "orders")

    assert report.outcome != "succeeded"
    assert "changed during each of 3 reads" in (report.message or "")
    # The pages read were written as they came, but that window was not committed: the next
    # run reads it again.
    assert not any(window.start <= instant < window.end for window in finished_windows(shop))
    transport.times = 0
    sandbox_clock.advance(61)
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    assert_exactly_once(shop, sandbox)


@pytest.mark.slow
def test_given_a_window_larger_than_a_batch_when_a_later_batch_fails_then_nothing_is_doubled(
    shop: JobEnvironment, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OrdersImporter, "batch_size", 40)
    sandbox.create_orders(130)
    expected = set(marketplace_orders(sandbox))
    written = itertools.count(1)
    original = OrdersImporter.write_many

    def dies_at_the_hundredth(
        self: OrdersImporter, session: Any, context: Any, records: list[Any]
    ) -> list[str]:
        # A batch's orders are written together: the batch holding the hundredth dies.
        if any(next(written) == 100 for _ in records):
            raise RuntimeError("the worker died in the middle of a window")
        return original(self, session, context, records)

    monkeypatch.setattr(OrdersImporter, "write_many", dies_at_the_hundredth)
    assert shop.runner().run(1, "orders").outcome == "failed"

    committed = set(local_order_ids(shop.database))
    assert 40 <= len(committed) < len(expected)  # the batches before the failure stayed
    monkeypatch.setattr(OrdersImporter, "write_many", original)
    run_until_success(shop)
    assert_exactly_once(shop, sandbox)


class Miscounting(ChangingPages):
    """The sandbox, whose ``/orders/count`` answers ``extra`` more orders than it lists."""

    def __init__(self, sandbox: Sandbox, extra: int) -> None:
        super().__init__(sandbox, lambda ids: None, times=0)
        self.extra = extra

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith("/orders/count") and response.status_code == 200:
            return httpx.Response(200, json=int(response.json()) + self.extra)
        return response


@pytest.mark.slow
def test_given_a_count_that_disagrees_with_a_steady_list_then_the_list_is_taken_in_two_reads(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    sandbox_clock.advance(60)
    sandbox.create_orders(280)
    transport = Miscounting(sandbox, extra=7)
    use(shop, transport)

    report = shop.runner().run(1, "orders")

    assert report.outcome == "succeeded", report.message
    # one probe, then two whole reads of three pages, each between two counts: no splitting
    assert transport.calls.count("orders") == 7
    assert transport.calls.count("count") == 4
    assert_exactly_once(shop, sandbox)
