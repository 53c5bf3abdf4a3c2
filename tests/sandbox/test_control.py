"""The control API under /_sandbox and the in-process transports."""

from __future__ import annotations

import httpx
import pytest

from cdlink.sandbox import Sandbox, SandboxError
from tests.support.sandbox_api import TOKEN_PATH, fetch_token


def test_given_the_control_api_when_creating_orders_then_they_exist_in_that_status(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    created = http.post("/_sandbox/orders", json={"count": 2, "status": "InPreparation"}).json()

    orders = [http.get(f"/_sandbox/orders/{order_id}").json() for order_id in created["orderIds"]]

    assert len(orders) == 2
    assert {order["status"] for order in orders} == {"InPreparation"}


def test_given_the_control_api_when_advancing_the_clock_then_now_moves(
    http: httpx.Client,
) -> None:
    before = http.get("/_sandbox/clock").json()["now"]

    after = http.post("/_sandbox/clock/advance", json={"seconds": 3600}).json()["now"]

    assert before.startswith("2026-03-02T09:00")
    assert after.startswith("2026-03-02T10:00")


def test_given_the_control_api_when_managing_faults_then_they_apply_and_clear(
    http: httpx.Client,
) -> None:
    http.post("/_sandbox/faults", json={"kind": "status", "endpoint": "token", "status": 502})

    listed = http.get("/_sandbox/faults").json()
    hit = http.post(TOKEN_PATH, data={"grant_type": "client_credentials"}).status_code
    http.delete("/_sandbox/faults")
    cleared = http.post(TOKEN_PATH, data={"grant_type": "client_credentials"}).status_code

    assert listed[0]["status"] == 502
    assert (hit, cleared) == (502, 401)


def test_given_the_control_api_when_managing_clients_and_tokens_then_they_apply(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    http.post(
        "/_sandbox/clients",
        json={"client_id": "erp", "client_secret": "erp-secret", "seller_ids": [700085]},
    )
    http.put("/_sandbox/tokens/lifetime", json={"seconds": 30})
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": "erp",
            "client_secret": "erp-secret",
        },
    )
    revoked = http.post("/_sandbox/tokens/revoke", json={"client_id": "erp"}).json()

    assert response.json()["expires_in"] == 30
    assert revoked == {"revoked": 1}
    assert "erp" in http.get("/_sandbox/state").json()["clients"]


def test_given_the_control_api_when_switching_variants_and_limits_then_they_apply(
    sandbox: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    variants = http.put("/_sandbox/variants", json={"orders_sort": "either"}).json()
    http.put("/_sandbox/rate-limit", json={"requests": 1, "per_seconds": 60})

    statuses = [api.get("/carriers").status_code for _ in range(2)]
    http.put("/_sandbox/rate-limit", json={})

    assert variants["orders_sort"] == "either"
    assert statuses == [200, 429]
    assert api.get("/carriers").status_code == 200


def test_given_the_control_api_when_reading_offers_and_requests_then_state_is_shown(
    sandbox: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    api.get("/sellers")

    offer = http.get("/_sandbox/offers/SKU-00001").json()
    requests = http.get("/_sandbox/requests").json()

    assert offer["sellerExternalReference"] == "SKU-00001"
    assert requests[-1]["endpoint"] == "sellers.get"
    assert requests[-1]["processed"] is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_sandbox/orders", {"count": 0}),
        ("POST", "/_sandbox/orders", {"status": "Teleported"}),
        ("POST", "/_sandbox/clock/advance", {"seconds": -5}),
        ("POST", "/_sandbox/faults", {"kind": "explode"}),
        ("GET", "/_sandbox/orders/NOPE", None),
        ("GET", "/_sandbox/offers/NOPE", None),
        ("PUT", "/_sandbox/variants", {"vat_format": "fraction"}),
        ("POST", "/_sandbox/orders/NOPE/cancel-request", {}),
    ],
)
def test_given_bad_control_calls_when_made_then_400_with_the_reason(
    http: httpx.Client, method: str, path: str, body: object
) -> None:
    response = http.request(method, path, json=body)

    assert response.status_code == 400
    assert response.json()["error"]


def test_given_bad_python_control_calls_when_made_then_sandbox_errors_with_hints(
    sandbox: Sandbox,
) -> None:
    with pytest.raises(SandboxError) as caught:
        sandbox.order("NOPE")
    with pytest.raises(SandboxError):
        sandbox.set_offer_quantity("NOPE", 1)
    with pytest.raises(SandboxError):
        sandbox.set_token_lifetime(0)
    with pytest.raises(SandboxError):
        sandbox.create_orders(1, seller_id=123)

    assert caught.value.hint


def test_given_a_sync_transport_when_closed_twice_then_nothing_breaks(sandbox: Sandbox) -> None:
    transport = sandbox.transport()
    with httpx.Client(transport=transport, base_url="http://sandbox") as http:
        token = fetch_token(http, sandbox.credentials.client_id, sandbox.credentials.client_secret)

    transport.close()

    assert token.count(".") == 2


def test_given_a_shop_without_stock_when_creating_orders_then_none_are_made(
    sandbox: Sandbox,
) -> None:
    sandbox.seed(offers=3, orders=0, quantity=0)

    assert sandbox.create_orders(5) == []


def test_given_the_control_api_when_setting_stock_and_auto_accept_then_they_apply(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    http.put("/_sandbox/offers/SKU-00001/quantity", json={"quantity": 0})
    http.put("/_sandbox/auto-accept", json={"enabled": True})

    offer = http.get("/_sandbox/offers/SKU-00001").json()
    order_id = http.post("/_sandbox/orders", json={"count": 1}).json()["orderIds"][0]

    assert (offer["quantity"], offer["offerState"]) == (0, "Inactive")
    assert http.get(f"/_sandbox/orders/{order_id}").json()["status"] == "Accepted"


def test_given_the_control_api_when_listing_orders_and_offers_then_every_one_is_shown(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    created = http.post("/_sandbox/orders", json={"count": 3, "status": "Accepted"}).json()
    reference = next(iter(http.get("/_sandbox/offers").json()["offers"]))
    http.put(f"/_sandbox/offers/{reference}/quantity", json={"quantity": 7})

    orders = http.get("/_sandbox/orders").json()["orders"]
    offers = http.get("/_sandbox/offers").json()["offers"]

    assert {orders[order_id] for order_id in created["orderIds"]} == {"Accepted"}
    assert len(orders) == sandbox.summary()["sellers"][str(sandbox.credentials.seller_id)]["orders"]
    assert offers[reference] == 7
    assert offers == {key: sandbox.offer(key)["quantity"] for key in offers}
