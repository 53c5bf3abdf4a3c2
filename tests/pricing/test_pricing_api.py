"""The prices and promotions REST API: per-SKU prices, guards and held prices, price lists,
CSV all or nothing, promotions refused naming Cdiscount's rule."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import add_product
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import OutboxEntry, PromotionItem
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import csrf_token

SKUS = ("SKU-A", "SKU-B", "SKU-C")


@pytest.fixture
def priced(
    web_database: Database, settings: Settings, sandbox: Sandbox, clock: ManualClock
) -> Database:
    """Connection 1 and three products at 10 € base price."""
    with web_database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
        session.flush()
        for index, sku in enumerate(SKUS):
            add_product(session, clock, sku, title=f"Lampe {index}", price=Decimal(10))
    return web_database


@pytest.fixture
def api(client: TestClient, browser: TestClient, priced: Database) -> TestClient:
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {found.group(1)}"
    return client


def price_entries(database: Database) -> list[dict[str, object]]:
    with database.reading() as session:
        query = select(OutboxEntry).where(OutboxEntry.key.like("price:%"))
        return [dict(entry.payload) for entry in session.scalars(query.order_by(OutboxEntry.id))]


def test_given_a_price_list_with_markup_when_saved_then_every_sku_is_priced_and_queued(
    api: TestClient, priced: Database
) -> None:
    saved = api.put(
        "/api/v1/price-lists/1",
        json={"sync_enabled": True, "markup": "25", "rounding": "0.99", "max_change_percent": "50"},
    )
    assert saved.status_code == 200, saved.text

    listed = api.get("/api/v1/prices", params={"connection_id": 1}).json()

    assert listed["total"] == 3
    assert {item["price"] for item in listed["items"]} == {"12.99"}
    assert [entry["price"] for entry in price_entries(priced)] == ["12.99"] * 3


def test_given_a_price_under_the_floor_when_put_then_it_is_held_until_confirmed(
    api: TestClient, priced: Database
) -> None:
    api.put("/api/v1/price-lists/1", json={"sync_enabled": True})
    guards = api.put(
        "/api/v1/prices/SKU-A/guards", params={"connection_id": 1}, json={"floor": "5.00"}
    )
    assert guards.status_code == 200, guards.text

    held = api.put("/api/v1/prices/SKU-A", params={"connection_id": 1}, json={"price": "0.01"})

    body = held.json()
    assert body["held"] == {"price": "0.01", "reason": "below_floor", "limit": "5.00"}
    assert body["price"] == "10.00"
    assert "0.01" not in [entry["price"] for entry in price_entries(priced)]
    confirmed = api.post("/api/v1/prices/SKU-A/held/confirm", params={"connection_id": 1})
    assert confirmed.json()["price"] == "0.01"
    assert price_entries(priced)[-1]["price"] == "0.01"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": "0"}, "price"),
        ({"price": "-3"}, "price"),
        ({"price": "9.99", "strike_price": "9.99"}, None),
    ],
)
def test_given_a_zero_negative_or_strike_not_above_when_put_then_422_and_nothing_queued(
    api: TestClient, priced: Database, body: dict[str, str], field: str | None
) -> None:
    api.put("/api/v1/price-lists/1", json={"sync_enabled": True})
    before = len(price_entries(priced))

    answer = api.put("/api/v1/prices/SKU-B", params={"connection_id": 1}, json=body)

    assert answer.status_code == 422
    if field is None:
        assert "must be above the price" in answer.json()["title"]
    assert len(price_entries(priced)) == before


def test_given_a_csv_of_prices_when_uploaded_then_all_or_nothing_and_it_exports_back(
    api: TestClient,
) -> None:
    bad = "sku,price,strike_price\nSKU-A,12.50,15\nSKU-B,abc,\nSKU-C,0,\n"
    refused = api.post(
        "/api/v1/prices.csv", params={"connection_id": 1}, files={"file": ("p.csv", bad)}
    )
    assert refused.status_code == 422
    assert "line 3" in refused.json()["title"]
    assert "line 4" in refused.json()["title"]
    good = 'sku,price,strike_price\nSKU-A,"12,50",15\nSKU-C,8.00,\n'
    applied = api.post(
        "/api/v1/prices.csv", params={"connection_id": 1}, files={"file": ("p.csv", good)}
    )
    assert applied.json() == {"applied": 2}

    exported = api.get("/api/v1/prices.csv", params={"connection_id": 1}).text

    assert exported.splitlines() == [
        "sku,price,strike_price",
        "SKU-A,12.50,15.00",
        "SKU-B,,",
        "SKU-C,8.00,",
    ]


def test_given_a_flash_sale_of_80_hours_when_posted_then_422_names_the_rule(
    api: TestClient, clock: ManualClock
) -> None:
    start = clock.now() + timedelta(hours=1)
    answer = api.post(
        "/api/v1/promotions",
        json={
            "connection_id": 1,
            "kind": "flash_sale",
            "discount_percent": "20",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=80)).isoformat(),
            "skus": ["SKU-A"],
        },
    )
    assert answer.status_code == 422
    assert "72 hours" in answer.json()["title"]
    assert api.get("/api/v1/promotions", params={"connection_id": 1}).json()["items"] == []


def test_given_a_flash_sale_when_created_changed_and_deleted_then_each_step_shows(
    api: TestClient, clock: ManualClock
) -> None:
    start = clock.now() + timedelta(hours=2)
    created = api.post(
        "/api/v1/promotions",
        json={
            "connection_id": 1,
            "kind": "flash_sale",
            "discount_percent": "20",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(),
            "skus": ["SKU-A", "SKU-B"],
            "name": "Week-end",
        },
    )
    assert created.status_code == 201, created.text
    promotion = created.json()
    assert promotion["state"] == "planned"
    assert [item["state"] for item in promotion["items"]] == ["waiting", "waiting"]

    changed = api.patch(f"/api/v1/promotions/{promotion['id']}", json={"discount_percent": "30"})
    assert changed.json()["discount_percent"] == "30.00"
    too_long = api.patch(
        f"/api/v1/promotions/{promotion['id']}",
        json={"ends_at": (start + timedelta(hours=73)).isoformat()},
    )
    assert too_long.status_code == 422

    assert api.delete(f"/api/v1/promotions/{promotion['id']}").status_code == 204
    assert api.get(f"/api/v1/promotions/{promotion['id']}").status_code == 404


def test_given_an_unknown_connection_when_prices_are_put_then_404_and_nothing_written(
    api: TestClient, priced: Database
) -> None:
    answer = api.put(
        "/api/v1/prices",
        params={"connection_id": 93},
        json={"items": [{"sku": "SKU-A", "price": None}]},
    )
    assert answer.status_code == 404
    assert price_entries(priced) == []


def test_given_a_sent_sale_inside_its_notice_when_stopped_then_422_sale_locked_and_retry_409(
    api: TestClient, priced: Database, clock: ManualClock
) -> None:
    start = clock.now() + timedelta(days=4)
    created = api.post(
        "/api/v1/promotions",
        json={
            "connection_id": 1,
            "kind": "sale",
            "discount_percent": "10",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=7)).isoformat(),
            "skus": ["SKU-A"],
        },
    ).json()
    with priced.session() as session:  # as the promotions stream records a sent sale
        session.get_one(PromotionItem, (created["id"], "SKU-A")).state = "sent"
    clock.advance(timedelta(days=2))

    stopped = api.post(f"/api/v1/promotions/{created['id']}/stop")

    assert stopped.status_code == 422
    assert "72 hours" in stopped.json()["title"]
    assert api.get(f"/api/v1/promotions/{created['id']}").json()["state"] == "planned"
    assert api.post(f"/api/v1/promotions/{created['id']}/retry").status_code == 409
