"""``/api/v1/carrier-mappings``, ``/api/v1/fulfilment-settings`` and shipping parcels by the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import OutboxEntry


def read_carriers(shop: JobEnvironment) -> None:
    assert shop.runner().run(1, "carriers").outcome == "succeeded"


def test_given_the_carriers_when_mappings_are_put_then_they_are_listed_before_the_defaults(
    api: TestClient, shop: JobEnvironment
) -> None:
    read_carriers(shop)
    body = {"items": [{"name": "TRANS 42", "carrier_label": "dpd"}]}

    saved = api.put("/api/v1/carrier-mappings?connection_id=1", json=body)
    listed = api.get("/api/v1/carrier-mappings", params={"connection_id": 1}).json()

    assert saved.status_code == 200, saved.text
    assert listed["items"][0] == {
        "name": "trans 42",
        "carrier_label": "DPD",
        "tracking_url_template": None,
        "default": False,
    }
    assert any(item["name"] == "colissimo" and item["default"] for item in listed["items"])


def test_given_an_unknown_label_when_mappings_are_put_then_422_with_the_fix(
    api: TestClient, shop: JobEnvironment
) -> None:
    read_carriers(shop)
    body = {"items": [{"name": "pigeon", "carrier_label": "Pigeon Express"}]}

    answer = api.put("/api/v1/carrier-mappings?connection_id=1", json=body)

    assert answer.status_code == 422
    assert "not one of Cdiscount's carriers" in answer.json()["title"]
    assert answer.json()["hint"]


def test_given_an_unknown_carrier_when_shipping_by_the_api_then_422_and_nothing_queued(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    [item] = api.get("/api/v1/orders", params={"q": order_id}).json()["items"]
    parcels = [{"carrier": "Pigeon Express", "tracking_number": "P1"}]

    answer = api.post(
        f"/api/v1/orders/{item['id']}/actions", json={"kind": "ship", "parcels": parcels}
    )

    assert answer.status_code == 422, answer.text
    assert "cdlink carriers map" in answer.json()["hint"]
    with shop.database.reading() as session:
        assert session.scalars(select(OutboxEntry.id)).all() == []


def test_given_parcels_when_shipped_by_the_api_then_the_detail_shows_the_shipment(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    [item] = api.get("/api/v1/orders", params={"q": order_id}).json()["items"]
    rule = api.get("/api/v1/fulfilment-settings?connection_id=1").json()["rule"]
    parcels = [{"carrier": "chronopost", "tracking_number": "XY1"}]

    answer = api.post(
        f"/api/v1/orders/{item['id']}/actions", json={"kind": "ship", "parcels": parcels}
    )
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    detail = api.get(f"/api/v1/orders/{item['id']}").json()

    assert "one parcel per complete order" in rule
    assert answer.status_code == 202, answer.text
    [shipment] = detail["shipments"]
    assert shipment["state"] == "done"
    assert shipment["parcels"][0]["carrier"] == "Chronopost"
    assert shipment["parcels"][0]["tracking_url"].endswith("XY1")
    assert detail["status"] == "Shipped"
