"""The acceptance settings, the ship form and an order's stock, in the pages and the REST API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.actions import IN_STOCK, set_acceptance_policy
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order
from cdlink.sync.stock.pusher import publish_to_outbox
from cdlink.web.app import create_app
from tests.support.orders import run_until_success
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}


@pytest.fixture
def browser(
    settings: Settings, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """A logged-in administrator of the sandbox shop."""
    with shop.database.session() as session:
        add_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(
        settings, database=shop.database, clock=sandbox_clock, transports=sandbox.transport
    )
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


@pytest.fixture
def api(browser: TestClient) -> TestClient:
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    browser.cookies.clear()
    browser.headers["Authorization"] = f"Bearer {found.group(1)}"
    return browser


def local_id(shop: JobEnvironment, marketplace_id: str) -> int:
    with shop.database.reading() as session:
        query = select(Order.id).where(Order.marketplace_order_id == marketplace_id)
        return session.scalars(query).one()


def test_given_the_api_when_the_order_settings_are_set_then_they_are_read_back(
    api: TestClient,
) -> None:
    assert api.get("/api/v1/connections/1/order-settings").json() == {
        "acceptance": "manual",
        "auto_refuse": False,
        "auto_refuse_since": None,
    }
    changed = api.put(
        "/api/v1/connections/1/order-settings",
        json={"acceptance": "in_stock", "auto_refuse": True},
    )
    kept = api.put("/api/v1/connections/1/order-settings", json={"acceptance": "always"})
    wrong = api.put("/api/v1/connections/1/order-settings", json={"acceptance": "automatic"})
    unknown = api.get("/api/v1/connections/99/order-settings")

    assert changed.json() == {
        "acceptance": "in_stock",
        "auto_refuse": True,
        "auto_refuse_since": "2026-03-02T09:00:00Z",
        "backlog_refused": 0,
        "backlog_waiting": 0,
    }
    assert kept.json()["acceptance"] == "always"
    assert kept.json()["auto_refuse"] is True
    assert kept.json()["auto_refuse_since"] is None  # refusal works with in_stock only
    assert wrong.status_code == 422
    assert unknown.status_code == 404


@pytest.mark.slow
def test_given_the_api_when_an_order_is_shipped_then_the_marketplace_has_the_parcel(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [marketplace_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    sandbox_clock.advance(301)  # InPreparation
    run_until_success(shop)
    assert shop.runner().run(1, "carriers").outcome == "succeeded"  # the cache the API reads
    carriers = api.get("/api/v1/connections/1/carriers").json()["carriers"]
    assert "Colissimo" in carriers
    order_id = local_id(shop, marketplace_id)

    missing = api.post(f"/api/v1/orders/{order_id}/actions", json={"kind": "ship"})
    posted = api.post(
        f"/api/v1/orders/{order_id}/actions",
        json={"kind": "ship", "carrier": "Colissimo", "tracking_number": "6A77"},
    )
    assert missing.status_code == 422  # a parcel without carrier is bad input, refused unsent
    assert "carrier" in missing.json()["title"]
    assert posted.status_code == 202
    assert posted.json()["state"] == "pending"
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"

    detail = api.get(f"/api/v1/orders/{order_id}").json()
    assert detail["status"] == "Shipped"
    assert detail["actions"][-1]["outcome"] == "the order is now Shipped"
    assert detail["reserved"] == {}
    assert sandbox.order(marketplace_id)["status"] == "Shipped"


def test_given_the_settings_page_when_a_policy_is_saved_then_it_is_shown_in_both_languages(
    browser: TestClient,
) -> None:
    former = browser.get("/settings/orders", headers=ENGLISH)
    assert former.status_code == 303  # the acceptance joined the order settings
    assert former.headers["location"] == "/orders/settings"
    page = browser.get("/orders/settings/1", headers=ENGLISH)
    assert page.status_code == 200
    assert "Accept automatically when the stock covers every line" in page.text
    posted = browser.post(
        "/orders/settings/1/acceptance",
        data={
            "acceptance": "in_stock",
            "auto_refuse": "1",
            "csrf_token": csrf_token(browser, "/orders/settings/1"),
        },
    )
    assert posted.status_code == 303
    shown = browser.get(posted.headers["location"], headers=ENGLISH).text
    assert re.search(r'value="in_stock" checked', shown)
    assert re.search(r'name="auto_refuse" value="1" checked', shown)
    french = browser.get("/orders/settings/1", headers=FRENCH).text
    assert "Acceptation des commandes" in french
    assert "/orders/settings" in browser.get("/settings", headers=ENGLISH).text


def test_given_an_order_stock_does_not_cover_when_shown_then_the_reason_is_translated(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    with shop.database.session() as session:
        set_acceptance_policy(session, 1, IN_STOCK, shop.clock.now())
    [marketplace_id] = sandbox.create_orders(1)
    [line] = sandbox.order(marketplace_id)["lines"][:1]
    item = line["offer"]["sellerProductId"]
    with shop.database.session() as session:
        add_product(session, shop.clock, item)
        add_warehouse(session, shop.clock, "PARIS", "Paris")
        stock = Inventory(session, shop.clock, publish_to_outbox)
        stock.map_warehouse("PARIS", 1)
        stock.set_on_hand(item, "PARIS", 0, "count")
    run_until_success(shop)
    assert shop.runner().run(1, "carriers").outcome == "succeeded"  # the cache the form reads
    path = f"/orders/{local_id(shop, marketplace_id)}"

    english = browser.get(path, headers=ENGLISH).text
    french = browser.get(path, headers=FRENCH).text

    assert f"Not enough stock for SKU {item}: {line['quantity']} wanted, 0 available." in english
    assert f"Stock insuffisant pour le SKU {item}" in french
    assert f"{item} \u00d7 {line['quantity']}" in english  # the order reserves its units


@pytest.mark.slow
def test_given_an_order_in_preparation_when_shipped_from_its_page_then_it_is_shipped(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [marketplace_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    sandbox_clock.advance(301)
    run_until_success(shop)
    assert shop.runner().run(1, "carriers").outcome == "succeeded"  # the cache the form reads
    path = f"/orders/{local_id(shop, marketplace_id)}"

    detail = browser.get(path, headers=ENGLISH).text
    field = browser.get(f"{path}/carriers", headers=ENGLISH).text
    assert 'data-testid="ship-form"' in detail
    assert f'hx-get="{path}/carriers"' in detail
    assert '<option value="Colissimo">' in field
    token = csrf_token(browser, path)
    refused = browser.post(
        f"{path}/actions",
        data={"kind": "ship", "carrier": "Colissimo", "tracking_number": "", "csrf_token": token},
        headers=ENGLISH,
    )
    posted = browser.post(
        f"{path}/actions",
        data={
            "kind": "ship",
            "carrier": "Colissimo",
            "tracking_number": "6A99",
            "tracking_url": "https://t.example/6A99",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert "tracking number" in refused.text
    assert posted.status_code == 303
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    shown = browser.get(path, headers=ENGLISH).text
    assert 'data-testid="order-status">Shipped<' in shown
    assert 'data-testid="ship-form"' not in shown
