"""``/api/v1/orders``: the list with its filters, one order's detail, and actions queued."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cdlink.hub.orders.actions import CONFIRMED
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import run_until_success
from tests.support.web import ADMIN_EMAIL


@pytest.mark.slow
def test_given_imported_orders_when_listed_then_filters_and_pages_apply(
    api: TestClient, sandbox: Sandbox
) -> None:
    everything = api.get("/api/v1/orders", params={"page_size": 10}).json()
    waiting = api.get("/api/v1/orders", params={"status": "WaitingAcceptance"}).json()
    second = api.get("/api/v1/orders", params={"page_size": 10, "page": 3}).json()

    assert everything["total"] == 25
    assert len(everything["items"]) == 10
    assert len(second["items"]) == 5
    assert waiting["total"] == sum(
        1
        for item in api.get("/api/v1/orders", params={"page_size": 100}).json()["items"]
        if item["status"] == "WaitingAcceptance"
    )
    target = everything["items"][0]["marketplace_order_id"]
    found = api.get("/api/v1/orders", params={"q": target.lower()}).json()
    assert [item["marketplace_order_id"] for item in found["items"]] == [target]


@pytest.mark.slow
def test_given_an_order_when_read_then_the_detail_has_lines_amounts_and_history(
    api: TestClient,
) -> None:
    first = api.get("/api/v1/orders").json()["items"][0]
    detail = api.get(f"/api/v1/orders/{first['id']}").json()

    assert detail["lines"]
    assert detail["lines"][0]["unit_price"]
    assert detail["events"][0]["status"]
    assert api.get("/api/v1/orders/999999").status_code == 404


@pytest.mark.slow
def test_given_a_waiting_order_when_accept_is_posted_then_it_is_recorded_and_sent(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    [item] = api.get("/api/v1/orders", params={"q": order_id}).json()["items"]

    answer = api.post(f"/api/v1/orders/{item['id']}/actions", json={"kind": "accept"})
    again = api.post(f"/api/v1/orders/{item['id']}/actions", json={"kind": "accept"})
    assert (answer.status_code, answer.json()["state"]) == (202, "pending")
    assert again.status_code == 409
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"

    # Accepted on the marketplace's 2xx: done, its new status still to come.
    confirmed = api.get(f"/api/v1/orders/{item['id']}").json()
    assert confirmed["status"] == "WaitingAcceptance"
    assert [(a["kind"], a["state"], a["awaiting_status"]) for a in confirmed["actions"]] == [
        ("accept", "done", True)
    ]
    assert confirmed["actions"][0]["outcome"] == CONFIRMED
    refused = api.post(f"/api/v1/orders/{item['id']}/actions", json={"kind": "refuse"})
    assert refused.status_code == 409
    assert "already confirmed" in refused.text
    shop.clock.advance(1)  # type: ignore[attr-defined]
    run_until_success(shop)
    detail = api.get(f"/api/v1/orders/{item['id']}").json()
    assert detail["status"] == "Accepted"
    assert [(a["kind"], a["state"], a["awaiting_status"]) for a in detail["actions"]] == [
        ("accept", "done", False)
    ]
    assert detail["actions"][0]["requested_by"] == ADMIN_EMAIL
