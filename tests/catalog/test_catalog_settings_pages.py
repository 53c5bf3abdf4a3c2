"""The catalog pages on a chosen connection (``?connection=N``, kept by links and forms), the
direction and field ownership page, and the attribute and value mapping forms with their
validation, in French and English."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.catalog import mappings, publishing
from cdlink.hub.catalog.taxonomy import TaxonomyEntry, replace_taxonomy, store_properties
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Connection, StreamSchedule
from tests.support.catalog import gtin13
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}
TAXONOMY = (
    TaxonomyEntry("07", "INFORMATIQUE", 1),
    TaxonomyEntry("0702", "PERIPHERIQUE PC", 2),
    TaxonomyEntry("070201", "SOURIS", 3),
)
PROPERTIES = [
    {
        "propertyReference": "1001",
        "label": "Couleur",
        "necessity": "Mandatory",
        "choices": ["Noir", "Blanc", "Rouge"],
    },
    {"propertyReference": "1002", "label": "Matière", "necessity": "Optional", "choices": []},
]


@pytest.fixture
def shop(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now()))
        second = sandbox_connection(
            settings, sandbox, clock.now(), connection_id=2, name="Boutique 2"
        )
        second.client_id = "second-client"
        session.add(second)
        session.flush()
        for connection in (1, 2):
            replace_taxonomy(session, connection, TAXONOMY, clock.now())
            store_properties(session, connection, "070201", PROPERTIES)
    return web_database


def new_product(browser: TestClient, token: str, connection: int) -> None:
    answer = browser.post(
        f"/products/new?connection={connection}",
        data={
            "csrf_token": token,
            "sku": "MOUSE-1",
            "ean": gtin13(1),
            "title": "Souris",
            "seller_category": "Souris",
            "attributes": "Colour: Black",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/products/MOUSE-1?connection={connection}"


def test_given_two_accounts_when_working_on_the_second_then_every_page_and_action_stays_on_it(
    browser: TestClient, shop: Database
) -> None:
    token = csrf_token(browser, "/settings")
    new_product(browser, token, 2)

    listed = browser.get("/products", params={"connection": "2"}, headers=ENGLISH)
    detail = browser.get("/products/MOUSE-1", params={"connection": "2"}, headers=ENGLISH)
    mapped = browser.post(
        "/catalog/mappings?connection=2",
        data={"csrf_token": token, "seller_category": "Souris", "category_reference": "070201"},
    )
    first = browser.get("/products", headers=ENGLISH)

    assert 'data-testid="catalog-accounts"' in listed.text
    assert 'href="/products/MOUSE-1?connection=2"' in listed.text
    assert 'action="/products/MOUSE-1/validate?connection=2"' in detail.text
    assert "Boutique 2" in detail.text
    assert mapped.headers["location"] == "/catalog/mappings?connection=2"
    with shop.reading() as session:
        assert publishing.statuses_by_sku(session, 2)["MOUSE-1"].status == "needs_fixing"
        assert publishing.statuses_by_sku(session, 1) == {}
        assert mappings.mapping_for(session, 2, "Souris") is not None
        assert mappings.mapping_for(session, 1, "Souris") is None
    assert 'aria-current="page">Sandbox shop' in first.text  # the first account by default


def test_given_the_settings_page_when_ownership_is_saved_then_the_connection_s_settings_change(
    browser: TestClient, shop: Database
) -> None:
    token = csrf_token(browser, "/settings")
    page = browser.get("/catalog/settings", params={"connection": "2"}, headers=FRENCH)

    saved = browser.post(
        "/catalog/settings?connection=2",
        data={
            "csrf_token": token,
            "direction": "import",
            "title": "cdiscount",
            "description": "cdlink",
            "pictures": "cdiscount",
            "attributes": "cdlink",
            "price": "cdiscount",
            "stock": "cdlink",
        },
        headers=FRENCH,
    )
    refused = browser.post(
        "/catalog/settings?connection=2",
        data={"csrf_token": token, "direction": "sideways"},
        headers=FRENCH,
    )

    assert page.status_code == 200
    assert "Sens et propriété des champs" in page.text
    assert saved.status_code == 303, saved.text
    shown = browser.get(saved.headers["location"], headers=FRENCH)
    assert 'data-testid="settings-saved"' in shown.text
    assert 'value="import" checked' in shown.text
    with shop.reading() as session:
        found = publishing.settings(session, 2)
        untouched = publishing.settings(session, 1)
        assert session.get_one(Connection, 2).stock_sync_enabled is True
    assert found.direction == "import"
    assert dict(found.owners) == {
        "title": "cdiscount",
        "description": "cdlink",
        "pictures": "cdiscount",
        "attributes": "cdlink",
        "price": "cdiscount",
        "stock": "cdlink",
    }
    assert untouched.direction == "both"
    assert refused.status_code == 422
    assert "Le sens est import, export ou both" in refused.text


def map_mice(shop: Database, clock: ManualClock) -> None:
    with shop.session() as session:
        mappings.save_mapping(session, 1, "Souris", "070201", clock.now())


def test_given_a_mapped_category_when_attributes_and_values_are_mapped_then_the_sheet_uses_them(
    browser: TestClient, shop: Database, clock: ManualClock
) -> None:
    token = csrf_token(browser, "/settings")
    new_product(browser, token, 1)
    map_mice(shop, clock)

    page = browser.get(
        "/catalog/mappings/attributes", params={"seller_category": "Souris"}, headers=ENGLISH
    )
    saved = browser.post(
        "/catalog/mappings/attributes?connection=1",
        data={
            "csrf_token": token,
            "seller_category": "Souris",
            "attribute_name": ["Colour", ""],
            "attribute_property": ["1001", ""],
            "value_property": ["1001", ""],
            "value_seller": ["Black", ""],
            "value_choice": ["Noir", ""],
        },
        headers=ENGLISH,
    )

    assert page.status_code == 200
    assert 'value="Colour"' in page.text  # the attribute the category's products use
    assert "Couleur (1001)" in page.text
    assert "Rouge" in page.text  # the property's choices
    assert saved.status_code == 303, saved.text
    shown = browser.get(saved.headers["location"], headers=ENGLISH)
    assert 'data-testid="attributes-saved"' in shown.text
    with shop.reading() as session:
        found = mappings.mapping_for(session, 1, "Souris")
    assert found is not None
    assert found.attributes == {"Colour": "1001"}
    assert found.values == {"1001": {"Black": "Noir"}}
    assert mappings.sheet_attributes(found, {"Colour": ["Black"]}) == {"1001": ["Noir"]}


@pytest.mark.parametrize(
    ("lines", "english", "french"),
    [
        (
            {"attribute_name": ["Colour"], "attribute_property": ["9999"]},
            "This property is not one of the Cdiscount category's",
            "Cette propriété n'est pas une de celles de la catégorie Cdiscount",
        ),
        (
            {"value_property": ["1001"], "value_seller": ["Black"], "value_choice": ["Vert"]},
            "This value is not one of the property's choices",
            "Cette valeur n'est pas un des choix de la propriété",
        ),
        (
            {"value_property": ["1002"], "value_seller": ["Alu"], "value_choice": ["Noir"]},
            "This property takes free text: its values cannot be mapped",
            "Cette propriété prend un texte libre\u202f: ses valeurs ne se mappent pas",
        ),
        (
            {"attribute_name": ["Colour", "Colour"], "attribute_property": ["1001", "1002"]},
            "The same name appears on two lines",
            "Le même nom figure sur deux lignes",
        ),
    ],
)
def test_given_a_bad_attribute_form_when_saved_then_nothing_is_kept_and_the_error_is_translated(  # noqa: PLR0917
    browser: TestClient,
    shop: Database,
    clock: ManualClock,
    lines: dict[str, list[str]],
    english: str,
    french: str,
) -> None:
    token = csrf_token(browser, "/settings")
    map_mice(shop, clock)
    answers = {
        language: browser.post(
            "/catalog/mappings/attributes",
            data={"csrf_token": token, "seller_category": "Souris", **lines},
            headers={"Accept-Language": language},
        )
        for language in ("en", "fr")
    }

    assert answers["en"].status_code == 422
    assert english in answers["en"].text.replace("&#39;", "'")
    assert french in answers["fr"].text.replace("&#39;", "'")
    with shop.reading() as session:
        found = mappings.mapping_for(session, 1, "Souris")
    assert found is not None
    assert (found.attributes, found.values) == ({}, {})


def test_given_an_offer_recorded_and_not_confirmed_when_the_product_is_shown_then_retry_runs_it(
    browser: TestClient, shop: Database, clock: ManualClock
) -> None:
    token = csrf_token(browser, "/settings")
    new_product(browser, token, 1)
    with shop.session() as session:
        row = publishing.statuses_by_sku(session, 1)["MOUSE-1"]
        row.status, row.offer_sent_at = "integrated", clock.now()

    shown = browser.get("/products/MOUSE-1", headers=FRENCH)
    retried = browser.post("/products/MOUSE-1/offer/retry?connection=1", data={"csrf_token": token})

    assert 'data-testid="offer-waiting"' in shown.text
    assert "Réessayer maintenant" in shown.text
    assert retried.status_code == 303
    with shop.reading() as session:
        schedule = session.get(StreamSchedule, (1, "products"))
        assert schedule is not None
        assert schedule.requested_at is not None


def test_given_a_sheet_held_for_a_manual_check_when_shown_then_the_hours_it_waited_are_named(
    browser: TestClient, shop: Database, clock: ManualClock
) -> None:
    token = csrf_token(browser, "/settings")
    new_product(browser, token, 1)
    with shop.session() as session:
        row = publishing.statuses_by_sku(session, 1)["MOUSE-1"]
        row.status, row.sent_at = publishing.MANUAL_CHECK, clock.now()
        row.manual_check_since = clock.now()
    clock.advance(5 * 3600 + 600)

    english = browser.get("/products/MOUSE-1", headers=ENGLISH)
    french = browser.get("/products/MOUSE-1", headers=FRENCH)
    listed = browser.get("/products", params={"status": "manual_check"}, headers=ENGLISH)
    api = browser.get("/api/v1/products/MOUSE-1")

    assert "In manual check for 5 hours" in english.text
    assert "En contrôle manuel depuis 5 heures" in french.text
    assert 'data-sku="MOUSE-1"' in listed.text
    assert "Waiting for Cdiscount: 1" in listed.text
    assert api.json()["status"] == "manual_check"
    assert api.json()["manual_check_since"] is not None
