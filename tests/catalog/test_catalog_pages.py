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
