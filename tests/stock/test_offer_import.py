"""The offers stream: a live shop's offers become catalog products, and stock drift is corrected."""

from __future__ import annotations

from sqlalchemy import func, select

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Binding, Product, StockLevel
from cdlink.sync.stock.offer_import import OfferImport
from tests.support.stock import CONNECTION, SKUS, inventory, sku


def with_offer_import(shop: JobEnvironment) -> JobEnvironment:
    shop.registry.register(OfferImport)
    return shop


def test_given_a_live_shop_when_its_offers_are_imported_twice_then_each_sku_is_bound_once(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with shop.database.session() as session:  # a new SKU only Cdiscount knows
        session.execute(Product.__table__.delete().where(Product.sku == sku(SKUS - 1)))
    environment = with_offer_import(shop)

    first = environment.runner().run(CONNECTION, "offers")
    second = environment.runner().run(CONNECTION, "offers")

    assert (first.outcome, second.outcome) == ("succeeded", "succeeded"), first.message
    assert (first.counts["created"], second.counts["updated"]) == (SKUS, SKUS)
    with shop.database.reading() as session:
        bound = session.scalar(
            select(func.count()).select_from(Binding).where(Binding.kind == "offer")
        )
        assert bound == SKUS
        imported = session.scalar(select(Product).where(Product.sku == sku(SKUS - 1)))
        assert imported is not None
        assert imported.ean == sandbox.offer(sku(SKUS - 1))["product"]["gtin"]
        assert imported.price is not None


def test_given_cdiscount_drifted_when_offers_are_read_then_the_pusher_corrects_it(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    environment = with_offer_import(shop)
    with shop.database.session() as session:  # as if the seller never counted this product
        session.execute(StockLevel.__table__.delete().where(StockLevel.product_id == SKUS))
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 5, "count")
    environment.runner().run(CONNECTION, "stock")
    sandbox.set_offer_quantity(sku(0), 99)  # changed on Cdiscount's side
    sandbox.set_offer_quantity(sku(1), 42)  # the count said 0: drift too
    sandbox.set_offer_quantity(sku(SKUS - 1), 7)  # a product with no stock entered: left alone

    report = environment.runner().run(CONNECTION, "offers")
    pushed = environment.runner().run(CONNECTION, "stock")

    assert report.counts["drift"] == 2
    assert pushed.counts["confirmed"] == 2
    assert sandbox.offer(sku(0))["quantity"] == 5
    assert sandbox.offer(sku(1))["quantity"] == 0
    assert sandbox.offer(sku(SKUS - 1))["quantity"] == 7
