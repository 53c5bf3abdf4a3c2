"""Price sync through the stock pusher's Update packages, against the in-process sandbox."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from cdlink.hub.catalog import publishing
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import OutboxEntry, PriceHistory, SkuPrice
from cdlink.sync.engine import outbox
from cdlink.sync.pricing.offers import price_key
from cdlink.sync.pricing.publish import publish_price_to_outbox
from tests.support.priced_shop import CONNECTION, inventory, price_book, sku


def on_cdiscount(sandbox: Sandbox, reference: str) -> Decimal:
    return Decimal(str(sandbox.offer(reference)["integrationPrice"]))


def price_row(shop: JobEnvironment, reference: str) -> SkuPrice:
    with shop.database.reading() as session:
        return session.get_one(SkuPrice, (CONNECTION, reference))


def open_price_entries(shop: JobEnvironment) -> int:
    with shop.database.reading() as session:
        query = select(func.count(OutboxEntry.id)).where(
            OutboxEntry.key.like("price:%"),
            OutboxEntry.state.in_((outbox.PENDING, outbox.CLAIMED)),
        )
        return session.scalar(query) or 0


def test_given_the_first_push_when_it_ran_then_every_price_is_confirmed_and_in_the_history(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    assert on_cdiscount(sandbox, sku(0)) == Decimal(20)
    row = price_row(shop, sku(0))
    assert (row.sent_price, row.outcome, row.confirmed_price) == (Decimal(20), "confirmed", 20)
    with shop.database.reading() as session:
        assert session.scalar(select(func.count(PriceHistory.id))) == 10


def test_given_stock_and_price_changes_of_skus_when_pushed_then_one_package_carries_both(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with price_book(shop) as prices:
        for index in range(4):
            prices.set_price(CONNECTION, sku(index), Decimal("18.90") + index)
    with inventory(shop) as stock:
        for index in range(4):
            stock.set_on_hand(sku(index), "PARIS", 9, "count")

    report = shop.runner().run(CONNECTION, "stock")

    assert report.outcome == "succeeded", report.message
    assert report.counts["packages"] == 1
    assert report.counts["upload_calls"] == 1
    assert report.counts["confirmed"] == 8
    # Eight changes, one upload call: one request per SKU (two would be refused as Duplicated).
    for index in range(4):
        offer = sandbox.offer(sku(index))
        assert (Decimal(str(offer["integrationPrice"])), offer["quantity"]) == (
            Decimal("18.90") + index,
            9,
        )
        row = price_row(shop, sku(index))
        assert row.confirmed_price == Decimal("18.90") + index
        assert row.sent_at is not None


def test_given_a_price_under_the_floor_when_set_then_it_is_held_and_never_leaves(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with price_book(shop) as prices:
        prices.set_guards(sku(0), floor=Decimal(10), ceiling=Decimal(100))
        prices.set_price(CONNECTION, sku(0), Decimal("0.01"))
    row = price_row(shop, sku(0))
    assert (row.held_price, row.held_reason, row.held_limit) == (Decimal("0.01"), "below_floor", 10)
    # Even a forged entry holding that price is withheld by the pusher.
    with shop.database.session() as session:
        payload = {"price": "0.01", "vat": "20", "ecotax": None, "strike_price": None}
        publish_price_to_outbox(session, CONNECTION, sku(0), payload, shop.clock.now())

    report = shop.runner().run(CONNECTION, "stock")

    assert report.counts.get("packages", 0) == 0
    assert report.counts["withheld"] == 1
    assert on_cdiscount(sandbox, sku(0)) == Decimal(20)

    with price_book(shop) as prices:
        prices.confirm_held(CONNECTION, sku(0))
    shop.runner().run(CONNECTION, "stock")
    assert on_cdiscount(sandbox, sku(0)) == Decimal("0.01")


def test_given_cdiscount_owning_the_price_when_a_price_changes_then_it_never_leaves(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with shop.database.session() as session:
        publishing.save_settings(
            session, CONNECTION, "both", {"price": "cdiscount"}, shop.clock.now()
        )
    with price_book(shop) as prices:
        prices.set_price(CONNECTION, sku(0), Decimal("31.50"))

    report = shop.runner().run(CONNECTION, "stock")

    assert report.counts.get("packages", 0) == 0
    assert open_price_entries(shop) == 0
    assert on_cdiscount(sandbox, sku(0)) == Decimal(20)

    with shop.database.session() as session:
        publishing.save_settings(session, CONNECTION, "both", {"price": "cdlink"}, shop.clock.now())
    with price_book(shop) as prices:
        prices.set_price(CONNECTION, sku(0), Decimal("32.50"))
    shop.runner().run(CONNECTION, "stock")
    assert on_cdiscount(sandbox, sku(0)) == Decimal("32.50")


def test_given_a_change_above_the_connections_limit_when_set_then_it_is_held_with_its_reason(
    shop: JobEnvironment,
) -> None:
    with price_book(shop) as prices:
        prices.set_price_list(CONNECTION, sync_enabled=True, max_change_percent=Decimal(30))
        prices.set_price(CONNECTION, sku(1), Decimal(25))
        prices.set_price(CONNECTION, sku(2), Decimal(27))
    assert price_row(shop, sku(1)).held_price is None
    held = price_row(shop, sku(2))
    assert (held.held_price, held.held_reason, held.price) == (Decimal(27), "max_change", 20)


def test_given_an_older_price_retried_after_a_newer_one_was_confirmed_then_it_is_never_sent(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.add_fault(FaultRule(kind="status", endpoint="packages.create", status=503, count=20))
    with price_book(shop) as prices:
        prices.set_price(CONNECTION, sku(3), Decimal(30))
    failed = shop.runner().run(CONNECTION, "stock")
    assert failed.outcome != "succeeded"
    sandbox.clear_faults()
    with price_book(shop) as prices:
        prices.set_price(CONNECTION, sku(3), Decimal(31))

    for _ in range(3):
        shop.runner().run(CONNECTION, "stock")
        shop.clock.advance(600)  # type: ignore[attr-defined]

    assert on_cdiscount(sandbox, sku(3)) == Decimal(31)
    assert open_price_entries(shop) == 0
    with shop.database.reading() as session:
        older = session.scalars(
            select(OutboxEntry).where(OutboxEntry.key == price_key(sku(3)))
        ).all()
    states = {entry.payload["price"]: entry.state for entry in older}
    assert states == {"20.00": outbox.DONE, "30.00": outbox.SUPERSEDED, "31.00": outbox.DONE}
    assert price_row(shop, sku(3)).confirmed_price == Decimal(31)


def test_given_a_price_changed_on_cdiscount_when_offers_are_read_then_the_drift_is_healed(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.set_offer_price(sku(4), Decimal("9.99"))

    read = shop.runner().run(CONNECTION, "offers")

    assert read.counts["price_drift"] == 1
    row = price_row(shop, sku(4))
    assert row.marketplace_price == Decimal("9.99")
    assert row.best_price is not None
    pushed = shop.runner().run(CONNECTION, "stock")
    assert pushed.counts["confirmed"] == 1
    assert on_cdiscount(sandbox, sku(4)) == Decimal(20)
    again = shop.runner().run(CONNECTION, "offers")
    assert again.counts.get("price_drift", 0) == 0
    assert price_row(shop, sku(4)).marketplace_price == Decimal(20)
