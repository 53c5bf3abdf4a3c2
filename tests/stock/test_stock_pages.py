"""The Stock and Products pages and Settings → Warehouses, in English and French: rendered with
data, honest when empty, inline edits through htmx, the CSV report, CSRF on every form."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import (
    Binding,
    MarketplaceQuantity,
    Product,
    StockBuffer,
    StockLevel,
    StockPushStatus,
    Warehouse,
    WarehouseConnection,
)
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def stocked(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    """SKU-A in PARIS (10, Cdiscount confirmed 10), SKU-B refused by Cdiscount, SKU-C stale."""
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for index, sku in enumerate(("SKU-A", "SKU-B", "SKU-C")):
            add_product(session, clock, sku, title=f"Lampe {index}", ean=f"340000000000{index}")
        add_warehouse(session, clock, "PARIS", "Entrepôt Paris")
        add_warehouse(session, clock, "LYON", "Entrepôt Lyon")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("PARIS", 1)
        for sku, units in (("SKU-A", 10), ("SKU-B", 3), ("SKU-C", 5)):
            stock.set_on_hand(sku, "PARIS", units, "count")
        now = clock.now()
        session.add_all(
            [
                StockPushStatus(
                    connection_id=1,
                    sku="SKU-A",
                    quantity=10,
                    pushed_at=now,
                    outcome="confirmed",
                    confirmed_quantity=10,
                    confirmed_at=now,
                ),
                StockPushStatus(
                    connection_id=1,
                    sku="SKU-B",
                    quantity=3,
                    pushed_at=now,
                    outcome="refused",
                    reason="Rejected: OfferNotFound",
                ),
                MarketplaceQuantity(connection_id=1, sku="SKU-C", quantity=1, read_at=now),
                Binding(
                    connection_id=1,
                    kind="offer",
                    external_id="OFFER-77",
                    local_id=str(session.scalar(select(StockLevel.product_id).limit(1))),
                    bound_at=now,
                    synced_at=now,
                ),
            ]
        )
    clock.advance(timedelta(minutes=12))  # SKU-C's push has been waiting for 12 minutes
    return web_database


def test_given_no_product_when_the_stock_and_products_pages_open_then_they_say_so(
    browser: TestClient,
) -> None:
    for path, heading in (("/stock", "No stock yet"), ("/products", "No products yet")):
        page = browser.get(path, headers=ENGLISH)
        assert page.status_code == 200
        assert heading in page.text


def test_given_stock_when_the_stock_page_opens_then_each_sku_shows_its_figures_in_english(
    browser: TestClient, stocked: Database
) -> None:
    page = browser.get("/stock", headers=ENGLISH)

    assert page.status_code == 200
    text = page.text
    assert "3 SKUs" in text
    assert 'data-testid="on-hand-SKU-A-PARIS"' in text
    assert 'data-testid="available-SKU-A-1">10<' in text
    assert 'data-state="in_step"' in text
    assert "In step" in text
    assert "Rejected: OfferNotFound" in text
    assert 'data-state="failed"' in text
    assert 'data-state="stale"' in text
    assert "Out of step" in text
    assert "12 min ago" in text
    assert "Export CSV" in text


def test_given_stock_when_the_stock_page_opens_in_french_then_it_speaks_french(
    browser: TestClient, stocked: Database
) -> None:
    browser.cookies.set("cdlink_language", "fr")
    page = browser.get("/stock")

    assert "Disponible" in page.text
    assert "Échec" in page.text
    assert "Exporter en CSV" in page.text


def test_given_stock_when_filtered_then_only_matching_skus_are_listed(
    browser: TestClient, stocked: Database
) -> None:
    by_text = browser.get("/stock", params={"q": "lampe 2"}, headers=ENGLISH)
    failed = browser.get("/stock", params={"failed": "1"}, headers=ENGLISH)
    nothing = browser.get("/stock", params={"q": "nothing like it"}, headers=ENGLISH)

    assert 'data-sku="SKU-C"' in by_text.text
    assert 'data-sku="SKU-A"' not in by_text.text
    assert 'data-sku="SKU-B"' in failed.text
    assert 'data-sku="SKU-A"' not in failed.text
    assert "No SKU matches these filters." in nothing.text


def test_given_the_inline_edit_when_posted_by_htmx_then_the_row_comes_back_with_new_available(
    browser: TestClient, stocked: Database
) -> None:
    token = csrf_token(browser, "/stock")
    headers = {"HX-Request": "true", "X-CSRF-Token": token, **ENGLISH}
    product_id = _product_id(stocked, "SKU-A")

    counted = browser.post(
        f"/stock/{product_id}/count", data={"warehouse": "PARIS", "quantity": "4"}, headers=headers
    )
    adjusted = browser.post(
        f"/stock/{product_id}/adjust",
        data={"warehouse": "PARIS", "delta": "-1", "reason": "damaged"},
        headers=headers,
    )
    refused = browser.post(
        f"/stock/{product_id}/adjust", data={"warehouse": "PARIS", "delta": "-9"}, headers=headers
    )

    assert counted.status_code == 200
    assert counted.text.lstrip().startswith("<tr")
    assert 'data-testid="available-SKU-A-1">4<' in counted.text
    assert 'data-testid="available-SKU-A-1">3<' in adjusted.text
    assert refused.status_code == 422
    assert "only 3 on hand" in refused.text
    assert _level(stocked, "SKU-A") == 3


def test_given_a_form_without_csrf_when_posted_then_nothing_changes(
    browser: TestClient, stocked: Database
) -> None:
    product_id = _product_id(stocked, "SKU-A")

    response = browser.post(
        f"/stock/{product_id}/count", data={"warehouse": "PARIS", "quantity": "1"}
    )
    settings = browser.post("/settings/warehouses", data={"code": "X", "name": "X"})

    assert response.status_code == settings.status_code == 403
    assert _level(stocked, "SKU-A") == 10


def test_given_the_inline_edit_without_javascript_when_posted_then_it_goes_back_to_the_page(
    browser: TestClient, stocked: Database
) -> None:
    token = csrf_token(browser, "/stock?q=SKU")
    product_id = _product_id(stocked, "SKU-B")

    response = browser.post(
        f"/stock/{product_id}/count",
        data={"warehouse": "LYON", "quantity": "6", "csrf_token": token},
        headers={"Referer": "http://127.0.0.1:8000/stock?q=SKU"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/stock?q=SKU"


def test_given_a_bad_csv_when_uploaded_from_the_page_then_the_report_names_each_line(
    browser: TestClient, stocked: Database
) -> None:
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf_token(browser, "/stock"), **ENGLISH}
    bad = "sku,warehouse,quantity\nSKU-A,PARIS,1\nSKU-Z,PARIS,2\nSKU-B,PARIS,x\n"

    refused = browser.post(
        "/stock/upload", files={"file": ("s.csv", bad, "text/csv")}, headers=headers
    )
    applied = browser.post(
        "/stock/upload",
        files={"file": ("s.csv", "sku,warehouse,quantity\nSKU-A,PARIS,1\n", "text/csv")},
        headers=headers,
    )
    browser.cookies.set("cdlink_language", "fr")
    french = browser.post(
        "/stock/upload", files={"file": ("s.csv", bad, "text/csv")}, headers=headers
    )

    assert refused.status_code == 422
    assert "Line 3: unknown SKU &#39;SKU-Z&#39;" in refused.text
    assert "Ligne 3\u202f: SKU inconnu &#39;SKU-Z&#39;" in french.text
    assert "Line 4: the quantity must be a whole number from 0 to 1,000,000" in refused.text
    assert "Ligne 4\u202f: la quantité doit être un nombre entier de 0 à 1\u202f000\u202f000" in (
        french.text
    )
    assert "Nothing was changed" in refused.text
    assert applied.status_code == 200
    assert "1 line(s) applied." in applied.text
    assert _level(stocked, "SKU-A") == 1


def test_given_products_when_the_products_page_opens_then_the_catalog_shows_offers(
    browser: TestClient, stocked: Database
) -> None:
    english = browser.get("/products", headers=ENGLISH)
    searched = browser.get("/products", params={"q": "3400000000002"}, headers=ENGLISH)
    browser.cookies.set("cdlink_language", "fr")
    french = browser.get("/products")

    assert "3 products" in english.text
    assert "OFFER-77" in english.text
    assert "Not on Cdiscount" in english.text
    assert 'data-sku="SKU-C"' in searched.text
    assert 'data-sku="SKU-A"' not in searched.text
    assert "Absent de Cdiscount" in french.text


def test_given_warehouses_when_managed_in_settings_then_each_change_is_applied_or_explained(
    browser: TestClient, stocked: Database
) -> None:
    token = csrf_token(browser, "/settings")

    def post(path: str, **data: str) -> httpx.Response:
        return browser.post(path, data={"csrf_token": token, **data}, headers=ENGLISH)

    created = post("/settings/warehouses", code="LILLE", name="Entrepôt Lille")
    taken = post("/settings/warehouses", code="LILLE", name="Again")
    mapped = post("/settings/warehouses/LYON/map", connection_id="1")
    ordered = post("/settings/warehouses/LYON/map", connection_id="1", priority="3")
    buffer = post("/settings/buffers", connection_id="1", quantity="2")
    own = post("/settings/buffers", connection_id="1", sku="SKU-A", quantity="4")
    unknown = post("/settings/buffers", connection_id="1", sku="NOPE", quantity="4")
    in_use = post("/settings/warehouses/PARIS/delete")
    deleted = post("/settings/warehouses/LILLE/delete")
    page = browser.get("/settings", headers=ENGLISH)

    assert created.status_code == 303
    assert taken.status_code == 422
    assert mapped.status_code == buffer.status_code == ordered.status_code == 303
    assert own.status_code == 303
    assert unknown.status_code == 422
    assert "unknown SKU" in unknown.text
    assert in_use.status_code == 409
    assert "Warehouse PARIS still holds 18 unit(s)." in in_use.text
    assert "Count its stock to 0 first" in in_use.text
    assert deleted.status_code == 303
    with stocked.reading() as session:
        codes = set(session.scalars(select(Warehouse.code)))
        mappings = session.scalar(
            select(WarehouseConnection).where(WarehouseConnection.connection_id == 1).limit(1)
        )
        buffers = {row.product_id: row.quantity for row in session.scalars(select(StockBuffer))}
        lyon = session.scalars(
            select(WarehouseConnection.priority)
            .join(Warehouse, Warehouse.id == WarehouseConnection.warehouse_id)
            .where(Warehouse.code == "LYON", WarehouseConnection.connection_id == 1)
        ).one()
    assert lyon == 3
    assert 'data-testid="priority-LYON-1"' in page.text
    assert codes == {"PARIS", "LYON"}
    assert mappings is not None
    assert buffers[0] == 2
    assert 4 in buffers.values()
    assert 'data-warehouse="LYON"' in page.text
    assert "Sandbox shop" in page.text
    assert 'data-testid="product-buffers"' in page.text


def test_given_settings_in_french_then_the_warehouses_section_speaks_french(
    browser: TestClient, stocked: Database
) -> None:
    browser.cookies.set("cdlink_language", "fr")
    page = browser.get("/settings")

    assert "Entrepôts" in page.text
    assert "Créer un entrepôt" in page.text


def _product_id(database: Database, sku: str) -> int:
    with database.reading() as session:
        return session.scalar(select(Product.id).where(Product.sku == sku)) or 0


def _level(database: Database, sku: str) -> int:
    with database.reading() as session:
        query = (
            select(StockLevel.on_hand)
            .join(Product, Product.id == StockLevel.product_id)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            .where(Product.sku == sku, Warehouse.code == "PARIS")
        )
        return session.scalar(query) or 0


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("quantity", "\u0663", "is not a whole number"),  # Arabic-Indic three
        ("quantity", "\uff13", "is not a whole number"),  # fullwidth three
        ("quantity", "\u00b2", "is not a whole number"),
        ("quantity", "1_000", "is not a whole number"),
        ("quantity", str(2**62), "cannot be over 1,000,000 units"),
        ("delta", "9" * 5000, "is not a whole number"),
        ("delta", "999999999", "cannot be over 1,000,000 units"),
    ],
)
def test_given_a_number_not_in_ascii_digits_or_too_large_when_edited_inline_then_it_is_refused(
    browser: TestClient, stocked: Database, field: str, value: str, expected: str
) -> None:
    token = csrf_token(browser, "/stock")
    headers = {"HX-Request": "true", "X-CSRF-Token": token, **ENGLISH}
    path = f"/stock/{_product_id(stocked, 'SKU-A')}/{'count' if field == 'quantity' else 'adjust'}"

    refused = browser.post(path, data={"warehouse": "PARIS", field: value}, headers=headers)

    assert refused.status_code == 422
    assert expected in refused.text
    assert _level(stocked, "SKU-A") == 10
