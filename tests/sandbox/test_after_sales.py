"""The sandbox's commercial gestures, refunds and returns over HTTP: rules with realistic error
bodies, cursor paging, and the timers of the sandbox clock."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from cdlink.sandbox import Sandbox
from tests.support.sandbox_api import decimal_json, renew_token

GESTURES = "/order-commercial-gesture-requests"


@pytest.fixture
def stocked(sandbox: Sandbox) -> Sandbox:
    sandbox.seed(orders=0, quantity=1000)
    return sandbox


def gesture(
    order_id: str, amount: object, reason: str = "LateDelivery", **extra: object
) -> dict[str, object]:
    return {"orderId": order_id, "reason": reason, "amount": amount, **extra}


def test_given_gestures_breaking_rules_when_posted_then_400_or_422_naming_the_field(
    stocked: Sandbox, api: httpx.Client
) -> None:
    delivered = stocked.create_orders(1, status="Delivered")[0]
    preparing = stocked.create_orders(1, status="InPreparation")[0]
    allowable = decimal_json(api.get(f"/orders/{delivered}/commercial-gestures-available-amounts"))[
        "allowableAmount"
    ]

    cases = {
        "too_much": api.post(GESTURES, json=gesture(delivered, float(allowable) + 0.01)),
        "not_shipped": api.post(GESTURES, json=gesture(preparing, 1)),
        "other_without_details": api.post(GESTURES, json=gesture(delivered, 1, "Other")),
        "unknown_reason": api.post(GESTURES, json=gesture(delivered, 1, "Bored")),
        "three_decimals": api.post(GESTURES, json=gesture(delivered, 1.001)),
        "unknown_order": api.post(GESTURES, json=gesture("NOPE", 1)),
    }

    statuses = {name: response.status_code for name, response in cases.items()}
    assert statuses == {
        "too_much": 422,
        "not_shipped": 422,
        "other_without_details": 400,
        "unknown_reason": 400,
        "three_decimals": 400,
        "unknown_order": 404,
    }
    assert "amount" in cases["too_much"].json()["errors"]
    assert "orderId" in cases["not_shipped"].json()["errors"]
    assert "reasonDetails" in cases["other_without_details"].json()["errors"]
    assert cases["too_much"].headers["content-type"].startswith("application/problem+json")


def test_given_a_gesture_when_granted_then_the_amount_drops_and_it_is_accepted_later(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="Delivered")[0]
    path = f"/orders/{order_id}/commercial-gestures-available-amounts"
    before = decimal_json(api.get(path))["allowableAmount"]

    created = api.post(GESTURES, json=gesture(order_id, 3.5, "Other", reasonDetails="Geste"))
    after = decimal_json(api.get(path))["allowableAmount"]
    stocked.advance(3600)
    renew_token(api, stocked)
    listed = api.get(GESTURES, params={"orderId": order_id}).json()["items"]

    assert created.status_code == 201
    assert created.json()["status"] == "Pending"
    assert after == before - Decimal("3.5")
    assert [item["requestId"] for item in listed] == [created.json()["requestId"]]
    assert listed[0]["status"] == "Accepted"


def test_given_many_gestures_when_listed_with_a_limit_then_the_link_header_pages_them(
    stocked: Sandbox, api: httpx.Client
) -> None:
    orders = stocked.create_orders(5, status="Delivered")
    created = [api.post(GESTURES, json=gesture(o, 1)).json()["requestId"] for o in orders]

    seen, url = [], f"{GESTURES}?limit=2"
    while url:
        response = api.get(url)
        seen += [item["requestId"] for item in response.json()["items"]]
        url = response.links.get("next", {}).get("url", "")

    assert seen == created
    assert api.get(GESTURES, params={"limit": 1001}).status_code == 400


def test_given_a_shipped_order_when_cancelled_then_refunded_without_restocking(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="Shipped")[0]
    sku = stocked.order(order_id)["lines"][0]["offer"]["sellerProductId"]
    stock = stocked.offer_quantities()[sku]

    response = api.post(
        "/order-cancellation-requests",
        json={"orderSellerId": order_id, "reason": "CustomerReturn", "shippingCostRefund": True},
    )
    again = api.post(
        "/order-cancellation-requests", json={"orderSellerId": order_id, "reason": "CustomerReturn"}
    )

    assert response.status_code == 201
    assert stocked.order(order_id)["status"] == "Cancelled"
    assert stocked.order(order_id)["cancellationDetails"]["refunded"] is True
    assert stocked.offer_quantities()[sku] == stock
    assert again.status_code in (400, 409)


def test_given_the_octopia_only_variant_when_cancelling_then_400_telling_to_use_v1(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.set_variants(cancellation_scope="octopia_only")
    order_id = stocked.create_orders(1, status="Accepted")[0]

    response = api.post(
        "/order-cancellation-requests", json={"orderSellerId": order_id, "reason": "PricingError"}
    )

    assert response.status_code == 400
    assert "REST V1" in response.json()["detail"]
    assert stocked.order(order_id)["status"] == "Accepted"


def test_given_returns_when_declared_then_fulfilment_only_and_steps_on_the_clock(
    stocked: Sandbox, api: httpx.Client
) -> None:
    own = stocked.create_orders(1, status="Delivered")[0]
    fulfilled = stocked.create_orders(1, status="Delivered", supply_mode="Fulfillment")[0]

    refused = api.post("/returns", json={"orderSellerId": own, "reason": "Damaged"})
    created = api.post("/returns", json={"orderSellerId": fulfilled, "reason": "Damaged"}).json()
    statuses = []
    for _ in range(5):
        stocked.advance(86400)
        renew_token(api, stocked)
        statuses.append(api.get(f"/returns/{created['returnId']}").json()["status"])
    label = api.get(f"/returns/{created['returnId']}/labels")

    assert refused.status_code == 422
    assert "supplyMode" in refused.json()["errors"]
    assert created["status"] == "Created"
    assert created["orderSellerId"] == fulfilled
    assert statuses == ["Pending", "Referencing", "Referenced", "Accepted", "Completed"]
    assert label.headers["content-type"] == "application/pdf"
    assert label.content.startswith(b"%PDF")
    assert api.get("/returns/R0/labels").status_code == 404
    assert api.get("/returns/count", params={"status": "Completed"}).json() == 1
    line = stocked.order(fulfilled)["lines"][0]
    assert line["offer"]["supplyMode"] == "Fulfillment"
