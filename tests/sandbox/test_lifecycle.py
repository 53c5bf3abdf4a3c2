"""The order state machine over HTTP: timers, the generator, customer and seller cancellations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.sandbox_api import fetch_token, renew_token

DAY = 86400


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(seed=11, orders=0, offers=40, customer_cancel_probability=0.0)


@pytest.fixture
def stocked(sandbox: Sandbox) -> Sandbox:
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    return sandbox


def control(http: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    response = http.request(method, f"/_sandbox{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_new_order_when_driven_over_http_only_then_it_reaches_delivered(
    stocked: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    order_id = control(http, "POST", "/orders", {"count": 1})["orderIds"][0]
    seen: list[tuple[str, str]] = []

    def observe() -> dict[str, Any]:
        order: dict[str, Any] = api.get(f"/orders/{order_id}").json()
        seen.append((order["status"], order["updatedAt"]))
        return order

    assert observe()["lines"][0]["shippingAddress"] is None
    assert (
        api.post(
            f"/orders/{order_id}/approval-status", json={"approval_status": "Accepted"}
        ).status_code
        == 204
    )
    observe()
    control(http, "POST", "/clock/advance", {"seconds": 300})
    address = observe()["lines"][0]["shippingAddress"]
    parcel = {
        "parcelNumber": "XY123",
        "carrierName": "Chronopost",
        "trackingUrl": "https://t.fr/XY123",
    }
    assert api.post(f"/orders/{order_id}/shipments", json=[parcel]).status_code == 201
    observe()
    control(http, "POST", "/clock/advance", {"seconds": 4 * DAY})
    renew_token(api, stocked)
    final = observe()

    statuses = [status for status, _ in seen]
    assert statuses == ["WaitingAcceptance", "Accepted", "InPreparation", "Shipped", "Delivered"]
    updated = [moment for _, moment in seen]
    assert updated[1:] != updated[:-1]
    assert updated == sorted(updated)
    assert address is not None
    assert address["firstName"]
    assert final["lines"][0]["parcels"][0]["carrierName"] == "Chronopost"
    assert [event["status"] for event in final["statusEvents"]][-1] == "Delivered"
    changed = api.get("/orders", params={"updatedAtMin": seen[3][1], "status": "Delivered"})
    assert [order["orderId"] for order in changed.json()["items"]] == [order_id]


def test_given_an_order_not_accepted_in_time_when_the_deadline_passes_then_cancelled(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    line = api.get(f"/orders/{order_id}").json()["lines"][0]
    reference = line["offer"]["sellerProductId"]
    stock = stocked.offer(reference)["quantity"]

    stocked.advance(2 * DAY)
    renew_token(api, stocked)

    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "Cancelled"
    assert order["cancellationDetails"]["reason"] == "AcceptanceTimeout"
    assert stocked.offer(reference)["quantity"] == stock + line["quantity"]


def test_given_auto_accept_when_an_order_arrives_then_it_skips_waiting_acceptance(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.set_auto_accept(True)
    order_id = stocked.create_orders(1)[0]

    assert api.get(f"/orders/{order_id}").json()["status"] == "Accepted"
    assert api.get("/sellers").json()["auto_accept_order"] is True


def test_given_a_processing_delay_when_an_order_is_new_then_it_is_hidden_until_checked(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(processing_seconds=600, orders=0, orders_per_hour=3600), clock=manual_clock
    )
    seller = str(sandbox.credentials.seller_id)
    sandbox.advance(30)
    hidden = sandbox.summary()["sellers"][seller]["ordersByStatus"]
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        token = fetch_token(http, sandbox.credentials.client_id, sandbox.credentials.client_secret)
        headers = {"Authorization": f"Bearer {token}", "SellerId": seller}
        listed_before = http.get("/seller/v2/orders/count", headers=headers).json()
        sandbox.advance(600)
        listed_after = http.get("/seller/v2/orders/count", headers=headers).json()

    assert set(hidden) == {"Processing"}
    assert listed_before == 0
    assert listed_after >= hidden["Processing"] > 0


def test_given_an_order_rate_when_time_passes_then_orders_arrive_and_take_stock(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(SandboxConfig(orders=0, orders_per_hour=120, seed=3), clock=manual_clock)
    stock_before = sum(sandbox.offer(f"SKU-{n:05d}")["quantity"] for n in range(1, 61))

    sandbox.advance(3600)

    seller = str(sandbox.credentials.seller_id)
    orders = sandbox.summary()["sellers"][seller]["orders"]
    stock_after = sum(sandbox.offer(f"SKU-{n:05d}")["quantity"] for n in range(1, 61))
    assert 60 < orders < 200
    assert stock_after < stock_before


def test_given_a_customer_cancel_request_when_the_seller_ships_then_the_line_ships(
    stocked: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="InPreparation")[0]

    control(http, "POST", f"/orders/{order_id}/cancel-request", {"line_id": "1"})
    requested = api.get(f"/orders/{order_id}").json()["lines"][0]["status"]
    parcel = {"parcelNumber": "P1", "carrierName": "Colissimo"}
    shipped = api.post(f"/orders/{order_id}/shipments", json=[parcel])

    assert requested == "CancelRequest"
    assert shipped.status_code == 201
    assert api.get(f"/orders/{order_id}").json()["lines"][0]["status"] == "Shipped"


def test_given_customer_cancel_probability_when_orders_age_then_some_lines_request_it(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(orders=0, customer_cancel_probability=1.0, auto_accept_orders=True),
        clock=manual_clock,
    )
    sandbox.seed(offers=20, orders=0, quantity=1000)
    order_ids = sandbox.create_orders(5, status="Accepted")

    sandbox.advance(DAY)

    statuses = {
        line["status"] for order_id in order_ids for line in sandbox.order(order_id)["lines"]
    }
    assert "CancelRequest" in statuses


def test_given_reasons_when_listed_by_status_then_codes_and_labels(api: httpx.Client) -> None:
    body = api.get(
        "/cancellation-reasons",
        params={"salesChannel": "CDISFR", "userType": "Seller", "orderStatus": "InPreparation"},
    ).json()

    assert body["itemsPerPage"] == len(body["items"]) > 0
    assert all({"code", "label"} == set(item) for item in body["items"])


def test_given_a_waiting_order_when_the_seller_cancels_it_then_cancelled_and_listed(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]

    response = api.post(
        "/order-cancellation-requests",
        json={"orderSellerId": order_id, "reason": "ProductOutOfStock", "shippingCostRefund": True},
    )
    listed = api.get("/order-cancellation-requests", params={"orderSellerId": order_id}).json()

    assert response.status_code == 201
    assert api.get(f"/orders/{order_id}").json()["status"] == "Cancelled"
    assert [item["cancellationRequestId"] for item in listed["items"]] == [
        response.json()["cancellationRequestId"]
    ]


@pytest.mark.parametrize(
    ("variant", "key", "status"),
    [
        ("orderSellerId", "orderId", 400),
        ("orderId", "orderId", 201),
        ("orderId", "orderSellerId", 400),
        ("either", "orderId", 201),
    ],
)
def test_given_a_cancellation_key_variant_when_cancelling_then_only_that_key_works(
    stocked: Sandbox, api: httpx.Client, variant: str, key: str, status: int
) -> None:
    stocked.set_variants(cancellation_key=variant)
    order_id = stocked.create_orders(1)[0]

    response = api.post(
        "/order-cancellation-requests", json={key: order_id, "reason": "PricingError"}
    )

    assert response.status_code == status


def test_given_bad_cancellations_when_posted_then_400_404_or_409(
    stocked: Sandbox, api: httpx.Client
) -> None:
    waiting = stocked.create_orders(1)[0]
    shipped = stocked.create_orders(1, status="Shipped")[0]

    unknown_reason = api.post(
        "/order-cancellation-requests", json={"orderSellerId": waiting, "reason": "Bored"}
    )
    unknown_order = api.post(
        "/order-cancellation-requests", json={"orderSellerId": "NOPE", "reason": "PricingError"}
    )
    too_late = api.post(
        "/order-cancellation-requests", json={"orderSellerId": shipped, "reason": "PricingError"}
    )
    not_object = api.post("/order-cancellation-requests", json=[waiting])

    assert unknown_reason.status_code == 400
    assert "reason" in unknown_reason.json()["errors"]
    assert unknown_order.status_code == 404
    assert too_late.status_code == 400
    assert not_object.status_code == 400


def test_given_a_multi_line_order_when_one_line_is_cancelled_then_the_rest_stays(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = next(
        order
        for order in stocked.create_orders(40, status="Accepted")
        if len(stocked.order(order)["lines"]) > 1
    )
    lines = stocked.order(order_id)["lines"]
    first = lines[0]

    response = api.post(
        "/order-partial-cancellation-requests",
        json={
            "orderSellerId": order_id,
            "lines": [
                {"lineId": first["orderLineId"], "offerId": first["offer"]["id"],
                 "reason": "ProductDamaged", "shippingCostRefund": True}
            ],
        },
    )  # fmt: skip

    order = api.get(f"/orders/{order_id}").json()
    assert response.status_code == 201
    assert order["status"] == "Accepted"
    assert [line["status"] for line in order["lines"]][:2] == ["Cancelled", "Accepted"]
    by_line = api.get("/order-cancellation-requests", params={"lineId": first["orderLineId"]})
    assert by_line.json()["itemsPerPage"] >= 1


def test_given_every_line_cancelled_when_partially_cancelling_then_the_order_is_cancelled(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="Accepted")[0]
    lines = [
        {"lineId": line["orderLineId"], "reason": "ProductDamaged"}
        for line in stocked.order(order_id)["lines"]
    ]

    response = api.post(
        "/order-partial-cancellation-requests", json={"orderSellerId": order_id, "lines": lines}
    )

    assert response.status_code == 201
    assert api.get(f"/orders/{order_id}").json()["status"] == "Cancelled"


@pytest.mark.parametrize(
    "lines",
    [[], [{"lineId": "99", "reason": "ProductDamaged"}],
     [{"lineId": "1", "offerId": "wrong", "reason": "ProductDamaged"}]],
)  # fmt: skip
def test_given_bad_partial_cancellations_when_posted_then_400(
    stocked: Sandbox, api: httpx.Client, lines: list[dict[str, str]]
) -> None:
    order_id = stocked.create_orders(1, status="Accepted")[0]

    response = api.post(
        "/order-partial-cancellation-requests", json={"orderSellerId": order_id, "lines": lines}
    )

    assert response.status_code == 400


def test_given_a_shipped_order_when_partially_cancelled_then_409(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="Shipped")[0]

    response = api.post(
        "/order-partial-cancellation-requests",
        json={"orderSellerId": order_id, "lines": [{"lineId": "1", "reason": "PricingError"}]},
    )

    assert response.status_code in (400, 409)


def test_given_a_cancel_request_on_an_accepted_order_when_preparation_starts_then_it_stands(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="Accepted")[0]
    stocked.customer_cancel_request(order_id, "1")

    stocked.advance(300)

    order = api.get(f"/orders/{order_id}").json()
    assert order["status"] == "InPreparation"
    assert order["lines"][0]["status"] == "CancelRequest"
