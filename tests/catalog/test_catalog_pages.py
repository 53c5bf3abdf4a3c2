"""The Products pages: a product created, flagged by the validator with translated hints, its
category mapped through the taxonomy search, fixed and queued for publishing; in both languages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.catalog.taxonomy import TaxonomyEntry, replace_taxonomy
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from tests.support.catalog import gtin13
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

ENGLISH = {"Accept-Language": "en"}
TAXONOMY = (
    TaxonomyEntry("07", "INFORMATIQUE", 1),
    TaxonomyEntry("0702", "PERIPHERIQUE PC", 2),
    TaxonomyEntry("070201", "SOURIS", 3),
)


@pytest.fixture
def shop(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now()))
        session.flush()
        replace_taxonomy(session, 1, TAXONOMY, clock.now())
    return web_database


def test_given_a_new_product_when_created_mapped_and_fixed_then_it_is_queued(
    browser: TestClient, shop: Database
) -> None:
    token = csrf_token(browser, "/settings")
    created = browser.post(
        "/products/new",
        data={
            "csrf_token": token,
            "sku": "MOUSE-9",
            "ean": gtin13(9),
            "title": "Souris 🖱️",
            "seller_category": "Souris",
        },
        headers=ENGLISH,
    )
    flagged = browser.get("/products/MOUSE-9", headers=ENGLISH)
    listed = browser.get("/products", params={"status": "needs_fixing"}, headers=ENGLISH)
    searched = browser.get(
        "/catalog/mappings", params={"q": "souris", "seller_category": "Souris"}, headers=ENGLISH
    )
    mapped = browser.post(
        "/catalog/mappings",
        data={"csrf_token": token, "seller_category": "Souris", "category_reference": "070201"},
    )
    fixed = browser.post(
        "/products/MOUSE-9/edit",
        data={
            "csrf_token": token,
            "ean": gtin13(9),
            "title": "Souris sans fil",
            "description": "Souris sans fil, 3 boutons.",
            "seller_category": "Souris",
            "pictures": "https://images.example.com/m9.jpg",
            "price": "12,50",
        },
    )
    published = browser.post("/products/MOUSE-9/publish", data={"csrf_token": token})
    after = browser.get("/products/MOUSE-9", headers=ENGLISH)
    browser.cookies.set("cdlink_language", "fr")
    french = browser.get("/products/MOUSE-9")

    assert created.status_code == 303, created.text
    assert 'data-rule="title_characters"' in flagged.text
    assert "Remove emojis and special symbols from the title." in flagged.text
    assert "Needs fixing" in flagged.text
    assert 'data-sku="MOUSE-9"' in listed.text
    assert "INFORMATIQUE &gt; PERIPHERIQUE PC &gt; SOURIS" in searched.text
    assert (mapped.status_code, fixed.status_code, published.status_code) == (303, 303, 303)
    assert 'data-status="queued"' in after.text
    assert 'data-testid="no-problems"' in after.text
    assert "En attente" in french.text


def test_given_a_level_2_category_when_mapped_from_the_page_then_the_error_says_what_to_do(
    browser: TestClient, shop: Database
) -> None:
    token = csrf_token(browser, "/settings")

    refused = browser.post(
        "/catalog/mappings",
        data={"csrf_token": token, "seller_category": "PC", "category_reference": "0702"},
        headers=ENGLISH,
    )

    assert refused.status_code == 422
    assert "level 3" in refused.text


def test_given_product_files_when_imported_from_the_page_then_all_or_nothing_with_lines_named(
    browser: TestClient, shop: Database
) -> None:
    token = csrf_token(browser, "/settings")
    headers = {"x-csrf-token": token, "HX-Request": "true"}
    good = f"sku;ean;title;price\r\nMUG-1;{gtin13(1)};Mug à café;9,90\r\n".encode("cp1252")
    bad = f"sku,ean,title\nMUG-2,{gtin13(2)},Bon\nMUG-3,12AB,Mauvais\n".encode()

    imported = browser.post(
        "/products/upload", files={"file": ("p.csv", good, "text/csv")}, headers=headers | ENGLISH
    )
    refused = browser.post(
        "/products/upload", files={"file": ("p.csv", bad, "text/csv")}, headers=headers | ENGLISH
    )
    browser.cookies.set("cdlink_language", "fr")
    french = browser.post(
        "/products/upload", files={"file": ("p.csv", bad, "text/csv")}, headers=headers
    )
    listed = browser.get("/products", headers=ENGLISH)

    assert imported.status_code == 200, imported.text
    assert 'data-testid="upload-applied"' in imported.text
    assert "1 product imported." in imported.text
    assert refused.status_code == 422
    assert "Line 3:" in refused.text
    assert "Nothing was changed." in refused.text
    assert french.status_code == 422
    assert "Ligne 3" in french.text
    assert 'data-sku="MUG-1"' in listed.text
    assert 'data-sku="MUG-2"' not in listed.text
    assert 'data-testid="products-upload"' in listed.text
    assert 'href="/api/v1/products.csv?format=excel-fr"' in listed.text
