"""``/api/v1/connections/{id}/…`` order settings and imports, and the order detail's additions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.sync.engine import quarantine
from tests.support.orders import marketplace_orders, run_until_success

BASE = "/api/v1/connections/1"


@pytest.mark.slow
def test_given_an_import_posted_when_the_engine_runs_it_then_the_api_shows_it_done(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    started = api.post(
        f"{BASE}/initial-imports",
        json={"first_day": "2026-02-20", "last_day": "2026-03-02", "customers": False},
    )
    assert started.status_code == 202, started.text
    body = started.json()
    assert (body["state"], body["percent"], body["customers"]) == ("queued", 0, False)
    again = api.post(
        f"{BASE}/initial-imports", json={"first_day": "2026-02-20", "last_day": "2026-03-02"}
    )
    assert again.json()["id"] == body["id"]  # the unfinished import of these days, resumed

    assert shop.runner().run(1, "orders_history").outcome == "succeeded"

    done = api.get(f"{BASE}/initial-imports/{body['id']}").json()
    total = len(marketplace_orders(sandbox))
    assert (done["state"], done["percent"], done["total"], done["done"]) == (
        "done",
        100,
        total,
        total,
    )
    assert [item["id"] for item in api.get(f"{BASE}/initial-imports").json()] == [body["id"]]
    refused = api.post(f"{BASE}/initial-imports/{body['id']}/cancel")
    assert refused.status_code == 422
    assert refused.json()["title"] == "the import is already finished"


@pytest.mark.slow
def test_given_bad_imports_then_problems_name_the_reason(api: TestClient) -> None:
    backwards = api.post(
        f"{BASE}/initial-imports", json={"first_day": "2026-03-02", "last_day": "2026-03-01"}
    )
    unknown = api.get(f"{BASE}/initial-imports/99")
    no_connection = api.get("/api/v1/connections/9/initial-imports")
    not_a_day = api.post(f"{BASE}/initial-imports", json={"first_day": "soon", "last_day": "x"})

    assert (backwards.status_code, backwards.json()["title"]) == (
        422,
        "the first day is after the last day",
    )
    assert unknown.status_code == 404
    assert no_connection.status_code == 404
    assert not_a_day.status_code == 422


@pytest.mark.slow
def test_given_the_filter_api_when_widened_then_a_backfill_is_returned(
    api: TestClient,
) -> None:
    narrowed = api.put(f"{BASE}/order-import-filter", json={"statuses": ["Accepted"]})
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json() == {"statuses": ["Accepted"], "purchased_from": None, "backfill": None}

    widened = api.put(f"{BASE}/order-import-filter", json={"statuses": None})

    assert widened.json()["statuses"] is None
    assert widened.json()["backfill"]["state"] == "queued"
    assert api.get(f"{BASE}/order-import-filter").json()["statuses"] is None
    bad = api.put(f"{BASE}/order-import-filter", json={"statuses": ["Lost"]})
    assert (bad.status_code, bad.json()["title"]) == (422, "unknown order status")


@pytest.mark.slow
def test_given_payment_labels_then_orders_carry_the_label_and_the_raw_method(
    api: TestClient,
) -> None:
    assert api.put(f"{BASE}/payment-labels", json={"Card": "CB"}).json() == {"Card": "CB"}
    listed = api.get(f"{BASE}/payment-labels").json()
    assert listed["Card"] == "CB"
    assert listed["PayPal"] is None

    orders = api.get("/api/v1/orders", params={"page_size": 100}).json()["items"]

    by_card = [item for item in orders if item["payment_method"] == "Card"]
    assert by_card
    assert all(item["payment_method_label"] == "CB" for item in by_card)
    other = [item for item in orders if item["payment_method"] not in (None, "Card")]
    assert all(item["payment_method_label"] == item["payment_method"] for item in other)
    too_long = api.put(f"{BASE}/payment-labels", json={"Card": "x" * 200})
    assert too_long.status_code == 422


@pytest.mark.slow
def test_given_reasons_refreshed_then_the_api_lists_them_and_checks_a_cancel(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    [order] = api.get("/api/v1/orders", params={"q": marketplace_id}).json()["items"]
    assert api.get(f"{BASE}/cancellation-reasons").json() == []

    assert api.post(f"{BASE}/cancellation-reasons/refresh").status_code == 202
    assert shop.runner().run(1, "cancellation_reasons").outcome == "succeeded"

    waiting = api.get(f"{BASE}/cancellation-reasons", params={"order_status": "WaitingAcceptance"})
    codes = {item["code"] for item in waiting.json()}
    assert "CustomerRequest" in codes
    assert {
        item["code"]
        for item in api.get(f"/api/v1/orders/{order['id']}/cancellation-reasons").json()
    } == codes
    refused = api.post(
        f"/api/v1/orders/{order['id']}/actions", json={"kind": "cancel", "reason": "Whim"}
    )
    assert refused.status_code == 409
    accepted = api.post(
        f"/api/v1/orders/{order['id']}/actions",
        json={"kind": "cancel", "reason": "CustomerRequest"},
    )
    assert accepted.status_code == 202


def test_given_an_order_then_its_detail_lists_its_sync_events_and_deadline_urgency(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [marketplace_id] = sandbox.create_orders(1)
    run_until_success(shop)
    [order] = api.get("/api/v1/orders", params={"q": marketplace_id}).json()["items"]
    api.post(f"/api/v1/orders/{order['id']}/actions", json={"kind": "accept"})
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    shop.clock.advance(1)  # type: ignore[attr-defined]
    run_until_success(shop)  # the accepted order's new status comes with the orders stream

    detail = api.get(f"/api/v1/orders/{order['id']}").json()

    assert order["acceptance_urgency"] == "on_time"
    assert detail["acceptance_urgency"] is None  # accepted: nothing to warn about
    kinds = [event["kind"] for event in detail["sync_events"]]
    assert kinds[0] == "imported"
    assert "updated" in kinds
    assert "action" in kinds
    updated = next(event for event in detail["sync_events"] if event["kind"] == "updated")
    assert "status" in updated["changed_fields"]


@pytest.mark.slow
def test_given_a_quarantine_entry_when_dismissed_through_the_api_then_it_is_gone(
    api: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.session() as session:
        quarantine.keep(
            session,
            connection_id=1,
            stream="orders",
            external_id="raw:x",
            reason="unreadable",
            raw={"a": 1},
            now=shop.clock.now(),
        )
    [entry] = api.get(f"{BASE}/quarantine").json()

    dismissed = api.post(f"{BASE}/quarantine/{entry['id']}/dismiss")

    assert dismissed.status_code == 200
    assert dismissed.json()["resolved_at"] is not None
    assert api.get(f"{BASE}/quarantine").json() == []
    assert api.post(f"{BASE}/quarantine/999/dismiss").status_code == 404
