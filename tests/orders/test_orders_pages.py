"""The Orders pages: list with filters and pages, the detail, an action posted from it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import order_path, run_until_success
from tests.support.web import csrf_token


def test_given_no_order_yet_when_the_page_opens_then_it_says_what_will_appear(
    browser: TestClient,
) -> None:
    assert "No orders yet" in browser.get("/orders", headers={"Accept-Language": "en"}).text


@pytest.mark.slow
def test_given_imported_orders_when_listed_then_filters_and_pages_work(
    browser: TestClient, shop: JobEnvironment
) -> None:
    run_until_success(shop)
    english = {"Accept-Language": "en"}

    first = browser.get("/orders", headers=english).text
    second = browser.get("/orders?page=2", headers=english).text
    waiting = browser.get("/orders?status=WaitingAcceptance", headers=english).text

    assert "25 orders" in first
    assert "Page 1 of 1" not in first
    links = re.compile(r'href="/orders/\d')  # an order's link, not the imports or settings
    assert len(links.findall(first)) == 25 - len(links.findall(second))
    assert set(re.findall(r'data-status="(\w+)"', waiting)) == {"WaitingAcceptance"}
    assert "Waiting for acceptance" in waiting
    assert "Commandes" in browser.get("/orders", headers={"Accept-Language": "fr"}).text


@pytest.mark.slow
def test_given_a_waiting_order_when_accepted_from_its_page_then_the_action_is_shown(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    path = order_path(browser, marketplace_id)

    detail = browser.get(path, headers={"Accept-Language": "en"}).text
    assert "Accept before" in detail
    assert "Waiting for acceptance" in detail
    posted = browser.post(
        f"{path}/actions", data={"kind": "accept", "csrf_token": csrf_token(browser, path)}
    )
    assert posted.status_code == 303
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    shop.clock.advance(1)  # type: ignore[attr-defined]
    run_until_success(shop)

    shown = browser.get(path, headers={"Accept-Language": "en"}).text
    assert "Cdiscount confirmed it; the order&#39;s new status comes with the next sync." in shown
    assert 'data-testid="order-status">Accepted<' in shown


def test_given_an_order_when_its_page_opens_then_the_title_names_it_and_events_show_once(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    path = order_path(browser, marketplace_id)

    detail = browser.get(path, headers={"Accept-Language": "en"}).text

    [title] = re.findall(r"<title>(.*?)</title>", detail, re.S)
    assert title == f"Order {marketplace_id} · cdlink"
    assert detail.count('data-testid="order-sync-events"') == 1
