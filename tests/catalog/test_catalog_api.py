"""The catalog REST API: products created, validated with fix hints, fixed, mapped and queued
for publishing; the taxonomy searched; CSV all or nothing in the files Excel writes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.catalog.taxonomy import TaxonomyEntry, replace_taxonomy, store_properties
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Product, StreamSchedule
from tests.support.catalog import gtin13
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

TAXONOMY = (
    TaxonomyEntry("07", "INFORMATIQUE", 1),
    TaxonomyEntry("0702", "PERIPHERIQUE PC", 2),
    TaxonomyEntry("070201", "SOURIS", 3),
    TaxonomyEntry("070202", "CLAVIER", 3, is_brand_mandatory=True),
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


@pytest.fixture
def api(client: TestClient, browser: TestClient, shop: Database) -> TestClient:
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {found.group(1)}"
    return client


def test_given_no_token_when_listing_products_then_401(client: TestClient, shop: Database) -> None:
    assert client.get("/api/v1/products").status_code == 401


def test_given_a_new_product_when_validated_then_each_problem_has_a_rule_and_a_hint(
    api: TestClient,
) -> None:
    created = api.post(
        "/api/v1/products", json={"sku": "MOUSE-1", "ean": gtin13(1), "title": "Souris"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"

    answer = api.post("/api/v1/products/MOUSE-1/validate")

    assert answer.status_code == 200, answer.text
    problems = answer.json()["problems"]
    rules = {problem["rule"] for problem in problems}
    assert {"category_unmapped", "description_missing", "picture_missing"} <= rules
    assert all(problem["hint"] for problem in problems)
    assert answer.json()["status"] == "needs_fixing"
    listed = api.get("/api/v1/products", params={"status": "needs_fixing"}).json()
    assert [item["sku"] for item in listed["items"]] == ["MOUSE-1"]
    by_problem = api.get("/api/v1/products", params={"problem": "picture_missing"}).json()
    assert by_problem["total"] == 1


def test_given_a_flagged_product_when_fixed_and_mapped_then_it_is_queued_for_publishing(
    api: TestClient, shop: Database
) -> None:
    api.post("/api/v1/products", json={"sku": "MOUSE-2", "ean": gtin13(2), "title": "Souris"})
    api.post("/api/v1/products/MOUSE-2/validate")

    mapped = api.put(
        "/api/v1/category-mappings",
        json={"items": [{"seller_category": "Souris", "category_reference": "070201"}]},
    )
    patched = api.patch(
        "/api/v1/products/MOUSE-2",
        json={
            "description": "Souris sans fil, 3 boutons.",
            "pictures": ["https://images.example.com/mouse.jpg"],
            "seller_category": "Souris",
            "price": "12.50",
        },
    )
    validated = api.post("/api/v1/products/MOUSE-2/validate")
    published = api.post("/api/v1/products/MOUSE-2/publish")

    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["items"][0]["category_path"] == "INFORMATIQUE > PERIPHERIQUE PC > SOURIS"
    assert patched.status_code == 200, patched.text
    assert validated.json()["problems"] == []
    assert published.status_code == 202, published.text
    assert published.json()["status"] == "queued"
    with shop.reading() as session:
        schedule = session.get(StreamSchedule, (1, "products"))
        assert schedule is not None
        assert schedule.requested_at is not None


def test_given_a_level_2_category_when_mapping_then_422_says_to_pick_level_3(
    api: TestClient,
) -> None:
    answer = api.put(
        "/api/v1/category-mappings",
        json={"items": [{"seller_category": "PC", "category_reference": "0702"}]},
    )

    assert answer.status_code == 422
    assert "level 3" in answer.json()["hint"]


def test_given_the_cached_taxonomy_when_searching_then_leaves_come_with_their_path(
    api: TestClient,
) -> None:
    found = api.get("/api/v1/categories", params={"q": "souris"}).json()

    assert found["cached"] == len(TAXONOMY)
    assert [item["reference"] for item in found["items"]] == ["070201"]
    assert found["items"][0]["path"] == "INFORMATIQUE > PERIPHERIQUE PC > SOURIS"


def test_given_an_excel_semicolon_cp1252_file_when_imported_then_accents_and_formulas_survive(
    api: TestClient, shop: Database
) -> None:
    text = (
        "sku;ean;title;description;pictures;category;price;attr:Couleur\r\n"
        f"KB-1;{gtin13(3)};Clavier AZERTY é;'=SUM(A1);https://i.example.com/a.jpg|https://i.example.com/b.jpg;Claviers;19,90;Noir|Blanc\r\n"
    )

    answer = api.post(
        "/api/v1/products.csv", files={"file": ("products.csv", text.encode("cp1252"), "text/csv")}
    )
    exported = api.get("/api/v1/products.csv", params={"separator": ";"})

    assert answer.json() == {"imported": 1}, answer.text
    product = api.get("/api/v1/products/KB-1").json()
    assert product["title"] == "Clavier AZERTY é"
    assert product["description"] == "=SUM(A1)"
    assert product["price"] == "19.90"
    assert product["attributes"] == {"Couleur": ["Noir", "Blanc"]}
    assert len(product["pictures"]) == 2
    assert "'=SUM(A1)" in exported.text
    assert exported.text.startswith("\ufeffsku;ean;")


def test_given_a_file_with_a_bad_line_when_imported_then_nothing_is_written_and_the_line_is_named(
    api: TestClient, shop: Database
) -> None:
    text = f"sku,ean,title\nGOOD-1,{gtin13(4)},Bon\nBAD-1,12AB,Mauvais\n"

    answer = api.post("/api/v1/products.csv", files={"file": ("p.csv", text.encode(), "text/csv")})

    assert answer.status_code == 422
    assert "line 3" in answer.json()["title"]
    with shop.reading() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_given_catalog_settings_when_changed_then_direction_and_owners_are_kept(
    api: TestClient,
) -> None:
    before = api.get("/api/v1/catalog-settings").json()

    changed = api.put(
        "/api/v1/catalog-settings", json={"direction": "import", "owners": {"title": "cdiscount"}}
    )
    refused = api.put("/api/v1/catalog-settings", json={"direction": "sideways"})

    assert before["direction"] == "both"
    assert changed.status_code == 200, changed.text
    assert changed.json()["direction"] == "import"
    assert changed.json()["owners"]["title"] == "cdiscount"
    assert changed.json()["owners"]["price"] == "cdlink"
    assert refused.status_code == 422


def test_given_attribute_and_value_mappings_when_put_then_read_back_and_a_bad_choice_is_named(
    api: TestClient, shop: Database
) -> None:
    with shop.session() as session:
        store_properties(
            session,
            1,
            "070201",
            [
                {"propertyReference": "1001", "label": "Couleur", "necessity": "Mandatory",
                 "choices": ["Noir", "Blanc"]},
            ],
        )  # fmt: skip
    item = {
        "seller_category": "Souris",
        "category_reference": "070201",
        "attributes": {"Colour": "1001"},
        "values": {"1001": {"Black": "Noir"}},
    }

    saved = api.put("/api/v1/category-mappings", json={"items": [item]})
    read = api.get("/api/v1/category-mappings")
    bad = api.put(
        "/api/v1/category-mappings",
        json={"items": [{**item, "values": {"1001": {"Black": "Vert"}}}]},
    )

    assert saved.status_code == 200, saved.text
    [found] = read.json()["items"]
    assert (found["attributes"], found["values"]) == (item["attributes"], item["values"])
    assert bad.status_code == 422
    assert bad.json()["problems"] == [
        {"field": "Black → Vert", "message": "This value is not one of the property's choices"}
    ]
    assert api.get("/api/v1/category-mappings").json()["items"] == read.json()["items"]


@pytest.mark.parametrize(
    ("separator", "encoding"), [(",", "utf-8"), (";", "utf-8-sig"), (",", "cp1252")]
)
def test_given_a_file_in_each_separator_and_encoding_when_imported_then_it_reads_the_same(
    api: TestClient, separator: str, encoding: str
) -> None:
    lines = [
        ["sku", "ean", "title", "price", "attr:Couleur"],
        ["MUG-1", gtin13(5), "Mug à café", "9,90" if separator == ";" else "9.90", "Noir|Blanc"],
    ]
    text = "\r\n".join(separator.join(line) for line in lines) + "\r\n"

    answer = api.post(
        "/api/v1/products.csv", files={"file": ("p.csv", text.encode(encoding), "text/csv")}
    )
    exported = api.get("/api/v1/products.csv", params={"separator": ","})

    assert answer.json() == {"imported": 1}, answer.text
    product = api.get("/api/v1/products/MUG-1").json()
    assert (product["title"], product["price"]) == ("Mug à café", "9.90")
    assert product["attributes"] == {"Couleur": ["Noir", "Blanc"]}
    assert exported.text.startswith("\ufeffsku,ean,")
    assert "MUG-1," in exported.text


def test_given_products_when_exported_for_excel_in_french_then_windows_1252_and_they_import_back(
    api: TestClient,
) -> None:
    text = "sku;ean;title;price\r\n" + f"MUG-2;{gtin13(6)};Mug à café;1 234,50 €\r\n"
    first = api.post(
        "/api/v1/products.csv", files={"file": ("p.csv", text.encode("cp1252"), "text/csv")}
    )

    exported = api.get("/api/v1/products.csv", params={"format": "excel-fr"})
    again = api.post(
        "/api/v1/products.csv", files={"file": ("p.csv", exported.content, "text/csv")}
    )

    assert first.json() == {"imported": 1}, first.text
    assert exported.headers["content-type"] == "text/csv; charset=windows-1252"
    written = exported.content.decode("cp1252")
    assert written.startswith("sku;ean;title;")
    assert "MUG-2;" in written
    assert "Mug à café" in written
    assert ";1234,50" in written
    assert again.json() == {"imported": 1}, again.text
    product = api.get("/api/v1/products/MUG-2").json()
    assert (product["title"], product["price"]) == ("Mug à café", "1234.50")
