"""Direction and field ownership honoured by the catalog streams: a field Cdiscount owns is never
sent from cdlink and is overwritten by Cdiscount's; a field cdlink owns is sent and never
overwritten by Cdiscount's; the price follows its owner on the offers import; stock ownership is
the connection's stock synchronisation switch; an import-only connection sends nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from cdlink.hub.catalog import products, publishing
from cdlink.jobs.environment import JobEnvironment
from cdlink.octopia.models import ProductSheet
from cdlink.octopia.services.products import ProductIntegrationService
from cdlink.sandbox import Sandbox
from cdlink.store.models import CatalogPackage, Connection
from tests.support.catalog import (
    CONNECTION,
    add_products,
    mandatory_attributes,
    map_category,
    plain_leaf,
)

DAY = 86_400


def own(environment: JobEnvironment, direction: str = "both", **owners: str) -> None:
    with environment.database.session() as session:
        publishing.save_settings(session, CONNECTION, direction, owners, environment.clock.now())


def run(environment: JobEnvironment, stream: str, times: int = 1) -> list[str]:
    outcomes = []
    for _ in range(times):
        report = environment.runner().run(CONNECTION, stream)
        assert report.outcome == "succeeded", report.message
        outcomes.append(str(dict(report.counts)))
        environment.clock.advance(400)  # type: ignore[attr-defined]
    return outcomes


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[ProductSheet]:
    """Every sheet the products stream sends, in order."""
    found: list[ProductSheet] = []
    original = ProductIntegrationService.submit

    def spy(self: ProductIntegrationService, sheets: Any, *args: Any, **kwargs: Any) -> str:
        sheets = list(sheets)
        found.extend(sheets)
        return original(self, sheets, *args, **kwargs)

    monkeypatch.setattr(ProductIntegrationService, "submit", spy)
    return found


def live_product(environment: JobEnvironment) -> str:
    reference = plain_leaf(environment)
    map_category(environment, reference)
    run(environment, "products")  # reads the category's properties
    [sku] = add_products(environment, 1, attributes=mandatory_attributes(environment, reference))
    run(environment, "products", times=6)
    with environment.database.reading() as session:
        assert publishing.statuses_by_sku(session, CONNECTION)[sku].status == "integrated"
    return sku


def edit(environment: JobEnvironment, sku: str, **changes: object) -> None:
    with environment.database.session() as session:
        products.update(session, environment.clock, sku, changes)


def packages(environment: JobEnvironment) -> int:
    with environment.database.reading() as session:
        return len(session.scalars(select(CatalogPackage)).all())


def test_given_cdiscount_owns_the_title_when_cdlink_edits_it_then_the_edit_is_never_sent(
    catalog_shop: JobEnvironment, sent: list[ProductSheet]
) -> None:
    sku = live_product(catalog_shop)
    first_title = sent[-1].title
    own(catalog_shop, title="cdiscount")
    edit(catalog_shop, sku, title="Titre changé dans cdlink")
    before = packages(catalog_shop)

    run(catalog_shop, "products", times=2)

    assert packages(catalog_shop) == before  # only a Cdiscount-owned field changed
    edit(catalog_shop, sku, description="Nouvelle description écrite dans cdlink, 33 cl.")
    run(catalog_shop, "products", times=2)
    assert packages(catalog_shop) == before + 1
    assert sent[-1].title == first_title  # Cdiscount's title, not cdlink's edit
    assert sent[-1].description == "Nouvelle description écrite dans cdlink, 33 cl."


def test_given_cdlink_owns_the_title_when_cdlink_edits_it_then_the_edit_is_sent(
    catalog_shop: JobEnvironment, sent: list[ProductSheet]
) -> None:
    sku = live_product(catalog_shop)
    edit(catalog_shop, sku, title="Titre changé dans cdlink")

    run(catalog_shop, "products", times=2)

    assert sent[-1].title == "Titre changé dans cdlink"


def imported_skus(environment: JobEnvironment) -> list[str]:
    run(environment, "offers")
    with environment.database.reading() as session:
        return sorted(product.sku for product in products.all_products(session))


def title_of(environment: JobEnvironment, sku: str) -> str:
    with environment.database.reading() as session:
        return products.get(session, sku).title


def test_given_cdlink_owns_the_title_when_the_referential_is_read_then_cdlink_keeps_its_title(
    catalog_shop: JobEnvironment,
) -> None:
    mine, other, *_ = imported_skus(catalog_shop)
    edit(catalog_shop, mine, title="Mon titre à moi")

    run(catalog_shop, "catalog_import")
    catalog_shop.clock.advance(2 * DAY)  # type: ignore[attr-defined]
    run(catalog_shop, "catalog_import")

    assert title_of(catalog_shop, mine) == "Mon titre à moi"
    assert title_of(catalog_shop, other)  # filled from Cdiscount: it was empty


def test_given_cdiscount_owns_the_title_when_the_referential_is_read_again_then_cdiscount_wins(
    catalog_shop: JobEnvironment,
) -> None:
    mine, *_ = imported_skus(catalog_shop)
    run(catalog_shop, "catalog_import")
    cdiscount_title = title_of(catalog_shop, mine)
    own(catalog_shop, title="cdiscount")
    edit(catalog_shop, mine, title="Mon titre à moi")

    run(catalog_shop, "catalog_import")
    assert title_of(catalog_shop, mine) == "Mon titre à moi"  # read a day at most
    catalog_shop.clock.advance(2 * DAY)  # type: ignore[attr-defined]
    outcomes = run(catalog_shop, "catalog_import")

    assert title_of(catalog_shop, mine) == cdiscount_title, outcomes
    with catalog_shop.database.reading() as session:
        row = publishing.statuses_by_sku(session, CONNECTION)[mine]
        assert row.status == "integrated"
        assert row.marketplace_fields is not None
        assert row.marketplace_fields["title"] == cdiscount_title


def price_of(environment: JobEnvironment, sku: str) -> Decimal | None:
    with environment.database.reading() as session:
        return products.get(session, sku).price


def test_given_each_price_owner_when_offers_are_read_then_the_owner_s_price_stays(
    catalog_shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sku = sorted(sandbox.offer_quantities())[0]
    cdiscount_price = Decimal(str(sandbox.offer(sku)["integrationPrice"]))
    with catalog_shop.database.session() as session:
        products.save(
            session, catalog_shop.clock, products.ProductData(sku=sku, price=Decimal("1.23"))
        )

    run(catalog_shop, "offers")
    kept = price_of(catalog_shop, sku)
    own(catalog_shop, price="cdiscount")
    run(catalog_shop, "offers")

    assert kept == Decimal("1.23")
    assert price_of(catalog_shop, sku) == cdiscount_price


def test_given_stock_owners_when_saved_then_the_stock_synchronisation_switch_follows(
    catalog_shop: JobEnvironment,
) -> None:
    own(catalog_shop, stock="cdlink")
    with catalog_shop.database.reading() as session:
        on = session.get_one(Connection, CONNECTION).stock_sync_enabled
    own(catalog_shop, stock="cdiscount")
    with catalog_shop.database.reading() as session:
        off = session.get_one(Connection, CONNECTION).stock_sync_enabled
        owner = publishing.settings(session, CONNECTION).owners["stock"]

    assert (on, off, owner) == (True, False, "cdiscount")


def test_given_an_import_only_connection_when_publishing_runs_then_nothing_is_sent(
    catalog_shop: JobEnvironment, sent: list[ProductSheet]
) -> None:
    reference = plain_leaf(catalog_shop)
    map_category(catalog_shop, reference)
    own(catalog_shop, "import")
    add_products(catalog_shop, 2, attributes={})

    run(catalog_shop, "products", times=2)

    assert sent == []
    assert packages(catalog_shop) == 0
