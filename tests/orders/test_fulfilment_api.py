"""``/api/v1/carrier-mappings``, ``/api/v1/fulfilment-settings`` and shipping parcels by the API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.hub.orders.shipments import set_several_parcels
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import OrderAction, OutboxEntry
from tests.support.orders import order_with_lines, stored


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


def nothing_queued(shop: JobEnvironment) -> bool:
    with shop.database.reading() as session:
        actions = session.scalars(select(OrderAction.id)).all()
        entries = session.scalars(select(OutboxEntry.id)).all()
    return not actions and not entries


def ship(api: TestClient, order_id: int, parcels: list[dict[str, Any]]) -> Any:
    return api.post(f"/api/v1/orders/{order_id}/actions", json={"kind": "ship", "parcels": parcels})


@pytest.mark.parametrize(
    ("parcels", "reason"),
    [
        ([{"carrier": "dpd", "tracking_number": ""}], "needs a tracking number"),
        ([{"carrier": "dpd", "tracking_number": "X" * 51}], "too long"),
        (
            [
                {"carrier": "dpd", "tracking_number": "D1", "lines": [{"line_id": "L0"}]},
                {"carrier": "gls", "tracking_number": "G1", "lines": [{"line_id": "L0"}]},
            ],
            "shipped twice",
        ),
        (
            [
                {
                    "carrier": "dpd",
                    "tracking_number": "D1",
                    "lines": [{"line_id": "L0", "quantity": 999}],
                }
            ],
            "were ordered",
        ),
    ],
)
def test_given_bad_parcels_when_shipped_by_the_api_then_422_with_the_reason_and_nothing_queued(
    api: TestClient,
    shop: JobEnvironment,
    sandbox: Sandbox,
    parcels: list[dict[str, Any]],
    reason: str,
) -> None:
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    for item in parcels:
        for line in item.get("lines", []):
            line["line_id"] = lines[0]

    answer = ship(api, stored(shop, order_id).id, parcels)

    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["title"]
    assert answer.json()["hint"]
    assert nothing_queued(shop)


def test_given_a_line_already_shipped_when_shipped_again_by_the_api_then_422_and_one_shipment(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    read_carriers(shop)
    order_id, lines = order_with_lines(sandbox, shop)
    with shop.database.session() as session:
        set_several_parcels(session, 1, True, shop.clock.now())
    first = [{"carrier": "gls", "tracking_number": "G1", "lines": [{"line_id": lines[0]}]}]
    again = [{"carrier": "gls", "tracking_number": "G2", "lines": [{"line_id": lines[0]}]}]
    order = stored(shop, order_id).id

    accepted, refused = ship(api, order, first), ship(api, order, again)

    assert accepted.status_code == 202, accepted.text
    assert refused.status_code == 422, refused.text
    assert "shipped twice" in refused.json()["title"]
    [shipment] = api.get(f"/api/v1/orders/{order}").json()["shipments"]
    assert shipment["parcels"][0]["tracking_number"] == "G1"


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
