"""The stock pusher against the in-process sandbox: Update packages, results, retries, faults."""

from __future__ import annotations

from sqlalchemy import func, select

from cdlink.hub.stock.inventory import add_product
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import Connection, OutboxEntry, StockPushStatus
from cdlink.sync.engine import outbox
from cdlink.sync.orders.stream import OrdersImporter
from tests.support.stock import CONNECTION, SKUS, inventory, sku


def marketplace_quantity(sandbox: Sandbox, reference: str) -> int:
    return int(sandbox.offer(reference)["quantity"])


def status(shop: JobEnvironment, reference: str) -> StockPushStatus:
    with shop.database.reading() as session:
        return session.get_one(StockPushStatus, (CONNECTION, reference))


def entries_in(shop: JobEnvironment, *states: str) -> int:
    with shop.database.reading() as session:
        query = select(func.count(OutboxEntry.id)).where(OutboxEntry.state.in_(states))
        return session.scalar(query) or 0


def test_given_stock_changes_when_the_pusher_runs_then_cdiscount_holds_the_newest_quantities(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with inventory(shop) as stock:
        for index in range(5):
            stock.set_on_hand(sku(index), "PARIS", 3, "count")
            stock.adjust_on_hand(sku(index), "LYON", index, "delivery")

    report = shop.runner().run(CONNECTION, "stock")

    assert report.outcome == "succeeded", report.message
    assert report.counts["packages"] == 1
    assert report.counts["confirmed"] == 5
    assert report.counts["superseded"] == 5  # the first value of each SKU was never sent
    for index in range(5):
        assert marketplace_quantity(sandbox, sku(index)) == 3 + index
        pushed = status(shop, sku(index))
        assert (pushed.quantity, pushed.outcome, pushed.confirmed_quantity) == (
            3 + index,
            "confirmed",
            3 + index,
        )


def test_given_a_quantity_already_confirmed_when_queued_again_then_no_package_is_sent(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 4, "count")
    shop.runner().run(CONNECTION, "stock")
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 9, "count")
        stock.set_on_hand(sku(0), "PARIS", 4, "count")

    report = shop.runner().run(CONNECTION, "stock")

    assert report.counts.get("packages", 0) == 0
    assert report.counts["skipped"] == 1
    assert marketplace_quantity(sandbox, sku(0)) == 4


def test_given_an_order_since_the_push_when_available_comes_back_to_it_then_it_is_sent_again(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with inventory(shop) as stock:
        for index in range(SKUS):
            stock.set_on_hand(sku(index), "PARIS", 50, "count")
    assert shop.runner().run(CONNECTION, "stock").outcome == "succeeded"
    # An order placed on Cdiscount takes its units there; cdlink imports it and reserves them.
    (order_id,) = sandbox.create_orders(1)
    line = sandbox.order(order_id)["lines"][0]
    reference, units = line["offer"]["sellerProductId"], int(line["quantity"])
    assert marketplace_quantity(sandbox, reference) == 50 - units
    shop.registry.register(OrdersImporter)
    assert shop.runner().run(CONNECTION, "orders").outcome == "succeeded"
    with inventory(shop) as stock:  # the count is raised by as many: available is 50 again
        stock.adjust_on_hand(reference, "PARIS", units, "delivery")

    report = shop.runner().run(CONNECTION, "stock")

    assert report.outcome == "succeeded", report.message
    assert report.counts["packages"] == 1
    assert status(shop, reference).confirmed_quantity == 50
    assert marketplace_quantity(sandbox, reference) == 50


def test_given_an_sku_unknown_to_cdiscount_when_pushed_then_it_is_refused_and_retried_alone(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with inventory(shop) as stock:
        add_product(stock.session, shop.clock, "NOT-ON-CDISCOUNT")
        stock.set_on_hand("NOT-ON-CDISCOUNT", "PARIS", 2, "count")
        stock.set_on_hand(sku(1), "PARIS", 6, "count")

    report = shop.runner().run(CONNECTION, "stock")

    assert report.counts["confirmed"] == 1
    assert report.counts["refused"] == 1
    refused = status(shop, "NOT-ON-CDISCOUNT")
    assert refused.outcome == "refused"
    assert "OfferNotFound" in (refused.reason or "")
    assert refused.confirmed_quantity is None
    assert marketplace_quantity(sandbox, sku(1)) == 6
    assert entries_in(shop, outbox.PENDING) == 1


def test_given_server_errors_and_throttling_when_pushing_then_every_quantity_arrives(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    faults = [
        FaultRule(kind="status", endpoint="packages.requests", status=503, count=3),
        FaultRule(kind="status", endpoint="packages.get", status=429, probability=0.3),
        FaultRule(kind="drop_after", endpoint="packages.create", probability=0.5, count=2),
        FaultRule(kind="drop_before", endpoint="packages.update", probability=0.3, count=4),
        FaultRule(kind="drop_after", endpoint="packages.results", probability=0.2, count=4),
    ]
    for fault in faults:
        sandbox.add_fault(fault)
    with inventory(shop) as stock:
        for index in range(20):
            stock.set_on_hand(sku(index), "PARIS", index * 2, "count")

    outcomes = []
    for _ in range(30):
        report = shop.runner().run(CONNECTION, "stock")
        outcomes.append(f"{report.outcome} {report.message}")
        shop.clock.advance(600)  # type: ignore[attr-defined]
        if entries_in(shop, outbox.PENDING, outbox.CLAIMED) == 0:
            break

    assert entries_in(shop, outbox.PENDING, outbox.CLAIMED, outbox.FAILED) == 0, "\n".join(outcomes)
    for index in range(20):
        assert marketplace_quantity(sandbox, sku(index)) == index * 2


def test_given_stock_sync_turned_off_when_the_pusher_runs_then_queued_values_are_dropped(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    before = marketplace_quantity(sandbox, sku(0))
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", before + 5, "count")
    with shop.database.session() as session:
        session.get_one(Connection, CONNECTION).stock_sync_enabled = False

    report = shop.runner().run(CONNECTION, "stock")

    assert report.outcome == "succeeded"
    assert entries_in(shop, outbox.PENDING, outbox.CLAIMED) == 0
    assert marketplace_quantity(sandbox, sku(0)) == before
