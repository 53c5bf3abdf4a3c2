"""Prices where the seller works: the price columns of the Products and Stock lists (Cdiscount's
price, the wanted price edited in place, a held price with its reason), the floor and ceiling
edited on the Prices page, and the way there from the Apps page. Every edit goes through the
Prices page's routes and the ``PriceBook``: the guards apply. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Product, ProductPricing, SkuPrice
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import add_user, csrf_token, log_in


@pytest.fixture
def web_database(database: Database) -> Database:
    """The web app on both backends (the suite's default is SQLite only)."""
    return database


@pytest.fixture
def priced(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    """SKU-A at 10 € (Cdiscount shows 9.50 €), SKU-B with a 5 € floor and a held 1 € price."""
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for sku in ("SKU-A", "SKU-B"):
            add_product(session, clock, sku, title=f"Lampe {sku}", price=Decimal(10))
        add_warehouse(session, clock, "PARIS", "Entrepôt Paris")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("PARIS", 1)
        stock.set_on_hand("SKU-A", "PARIS", 4, "count")
        book = PriceBook(session, clock, publish_price_to_outbox)
        book.set_price_list(1, sync_enabled=True)
        book.set_guards("SKU-B", floor=Decimal(5), ceiling=None)
        book.set_price(1, "SKU-B", Decimal(1))
        book.set_price(1, "SKU-A", None, strike_price=Decimal(15))
        session.get_one(SkuPrice, (1, "SKU-A")).marketplace_price = Decimal("9.50")
    return web_database


def row(database: Database, sku: str) -> SkuPrice:
    with database.reading() as session:
        return session.get_one(SkuPrice, (1, sku))


def guards(database: Database, sku: str) -> ProductPricing | None:
    with database.reading() as session:
        product = session.query(Product).filter_by(sku=sku).one()
        return session.get(ProductPricing, product.id)


@pytest.mark.parametrize("path", ["/products", "/stock"])
def test_given_prices_when_the_list_is_shown_then_each_sku_has_its_price_and_held_reason(
    browser: TestClient, priced: Database, path: str
) -> None:
    browser.cookies.set("cdlink_language", "en")
    page = browser.get(path)
    assert page.status_code == 200
    assert 'data-testid="price-SKU-A-1"' in page.text
    assert "€9.50" in page.text  # Cdiscount's price
    assert 'placeholder="10.00"' in page.text  # the wanted price (from the price list)
    assert 'data-testid="held-SKU-B-1"' in page.text
    assert "Below the floor" in page.text
    assert "Send it anyway" in page.text


@pytest.mark.parametrize("path", ["/products", "/stock"])
def test_given_the_french_language_when_the_list_is_shown_then_the_price_column_is_french(
    browser: TestClient, priced: Database, path: str
) -> None:
    browser.cookies.set("cdlink_language", "fr")
    page = browser.get(path)
    assert "Sous le plancher" in page.text
    assert "Prix voulu de SKU-A" in page.text


def test_given_the_products_list_when_a_price_is_edited_inline_then_saved_and_back_to_the_list(
    browser: TestClient, priced: Database
) -> None:
    token = csrf_token(browser, "/products")
    saved = browser.post(
        "/prices/SKU-A",
        data={
            "connection_id": "1",
            "price": "12,50",
            "strike_price": "15",
            "back": "/products?connection=1&q=SKU",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/products?connection=1&q=SKU"
    saved_row = row(priced, "SKU-A")
    assert (saved_row.price, saved_row.strike_price) == (Decimal("12.50"), Decimal(15))


def test_given_the_stock_list_when_a_price_under_the_floor_is_saved_then_it_is_held(
    browser: TestClient, priced: Database
) -> None:
    browser.cookies.set("cdlink_language", "en")
    token = csrf_token(browser, "/stock")
    browser.post(
        "/prices/SKU-B/discard", data={"connection_id": "1", "back": "/stock", "csrf_token": token}
    )
    assert 'data-testid="held-SKU-B-1"' not in browser.get("/stock").text
    saved = browser.post(
        "/prices/SKU-B",
        data={"connection_id": "1", "price": "3", "back": "/stock", "csrf_token": token},
    )
    assert saved.headers["location"] == "/stock"
    assert row(priced, "SKU-B").held_price == Decimal(3)
    assert "Below the floor" in browser.get("/stock").text
    confirmed = browser.post(
        "/prices/SKU-B/confirm", data={"connection_id": "1", "back": "/stock", "csrf_token": token}
    )
    assert confirmed.headers["location"] == "/stock"
    assert row(priced, "SKU-B").price == Decimal(3)


def test_given_a_bad_price_from_a_list_when_saved_then_the_prices_page_names_the_rule(
    browser: TestClient, priced: Database
) -> None:
    token = csrf_token(browser, "/products")
    refused = browser.post(
        "/prices/SKU-A",
        data={"connection_id": "1", "price": "-2", "back": "/products", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "must be above 0" in refused.text
    assert row(priced, "SKU-A").override is None


def test_given_a_foreign_address_to_come_back_to_when_saved_then_back_to_the_prices_page(
    browser: TestClient, priced: Database
) -> None:
    token = csrf_token(browser, "/products")
    saved = browser.post(
        "/prices/SKU-A",
        data={"connection_id": "1", "price": "11", "back": "//example.com/", "csrf_token": token},
    )
    assert saved.headers["location"] == "/prices?connection=1"


def test_given_the_prices_page_when_a_floor_and_ceiling_are_saved_then_a_price_above_is_held(
    browser: TestClient, priced: Database
) -> None:
    browser.cookies.set("cdlink_language", "en")
    page = browser.get("/prices?connection=1")
    assert 'data-testid="guards-form"' in page.text
    token = csrf_token(browser, "/prices")
    saved = browser.post(
        "/prices/SKU-A/guards",
        data={"connection_id": "1", "floor": "8", "ceiling": "14,90", "csrf_token": token},
    )
    assert saved.status_code == 303
    found = guards(priced, "SKU-A")
    assert found is not None
    assert (found.floor, found.ceiling) == (Decimal(8), Decimal("14.90"))
    browser.post("/prices/SKU-A", data={"connection_id": "1", "price": "20", "csrf_token": token})
    assert row(priced, "SKU-A").held_reason == "above_ceiling"
    assert 'value="14.90"' in browser.get("/prices?connection=1").text


def test_given_a_floor_above_the_ceiling_when_saved_then_refused_naming_the_rule(
    browser: TestClient, priced: Database
) -> None:
    token = csrf_token(browser, "/prices")
    refused = browser.post(
        "/prices/SKU-A/guards",
        data={"connection_id": "1", "floor": "20", "ceiling": "10", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "must not be above the ceiling" in refused.text
    assert guards(priced, "SKU-A") is None


def test_given_a_floor_when_emptied_on_the_prices_page_then_the_sku_has_no_floor_and_keeps_vat(
    browser: TestClient, priced: Database
) -> None:
    with priced.session() as session:
        PriceBook(session, ManualClock(), publish_price_to_outbox).set_guards(
            "SKU-B", floor=Decimal(5), ceiling=None, vat_percent=Decimal("5.5")
        )
    token = csrf_token(browser, "/prices")
    browser.post(
        "/prices/SKU-B/guards",
        data={"connection_id": "1", "floor": "", "ceiling": "", "csrf_token": token},
    )
    found = guards(priced, "SKU-B")
    assert found is not None
    assert (found.floor, found.ceiling, found.vat_percent) == (None, None, Decimal("5.5"))


def test_given_a_connection_when_the_apps_page_is_shown_then_it_links_to_its_prices_and_guards(
    browser: TestClient, priced: Database
) -> None:
    browser.cookies.set("cdlink_language", "en")
    page = browser.get("/apps")
    assert 'href="/prices?connection=1#guards"' in page.text
    assert "Prices and guards" in page.text
    assert 'id="guards"' in browser.get("/prices?connection=1").text


def test_given_a_member_when_the_lists_are_shown_then_no_send_anyway_and_guards_are_refused(
    client: TestClient, priced: Database, clock: ManualClock
) -> None:
    with priced.session() as session:
        add_user(session, clock, "member@boutique.fr", "a long member password", is_admin=False)
    assert log_in(client, "member@boutique.fr", "a long member password").status_code == 303
    client.cookies.set("cdlink_language", "en")
    products = client.get("/products").text
    assert 'data-testid="held-SKU-B-1"' in products
    assert "Send it anyway" not in products
    assert 'placeholder="Floor" disabled' in client.get("/prices?connection=1").text
    refused = client.post(
        "/prices/SKU-A/guards",
        data={"connection_id": "1", "floor": "1", "csrf_token": csrf_token(client, "/prices")},
    )
    assert refused.status_code == 403
