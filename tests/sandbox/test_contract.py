"""Contract tests: the recorded real exchanges replayed against the sandbox."""

from __future__ import annotations

import base64
import json

import httpx

from cdlink.sandbox import Sandbox
from tests.support.sandbox_api import TOKEN_PATH, recorded


def test_given_the_recorded_token_call_when_replayed_then_the_answer_has_the_same_shape(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    exchange = recorded("token.client_credentials.200.json")
    credentials = sandbox.credentials
    headers = dict(exchange["request"]["headers"])

    response = http.post(
        TOKEN_PATH,
        content=f"grant_type=client_credentials&client_id={credentials.client_id}"
        f"&client_secret={credentials.client_secret}",
        headers=headers,
    )

    expected = exchange["response"]
    assert response.status_code == expected["status"]
    body = response.json()
    assert set(body) == set(expected["body"])
    for name, value in expected["body"].items():
        assert type(body[name]) is type(value), name
        if name != "access_token":
            assert body[name] == value, name
    recorded_headers = {name.lower(): value for name, value in expected["headers"]}
    assert response.headers["content-type"] == recorded_headers["content-type"]
    for name in ("cache-control", "pragma", "x-frame-options", "referrer-policy"):
        assert response.headers[name] == recorded_headers[name]
    assert response.headers["set-cookie"].startswith("KC_RESTART=;")


def test_given_a_token_when_decoded_then_its_claims_are_the_recorded_ones(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    exchange = recorded("jwt-claims.sanitized.json")
    credentials = sandbox.credentials
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )

    header_part, payload_part, _ = response.json()["access_token"].split(".")
    header = json.loads(base64.urlsafe_b64decode(header_part + "=" * (-len(header_part) % 4)))
    claims = json.loads(base64.urlsafe_b64decode(payload_part + "=" * (-len(payload_part) % 4)))
    assert set(header) == set(exchange["header"])
    assert set(claims) == set(exchange["payload"])
    assert claims["exp"] - claims["iat"] == 7200
    assert claims["iss"] == exchange["payload"]["iss"]
    assert claims["azp"] == claims["clientId"] == credentials.client_id
    assert set(claims["aud"]) <= set(exchange["payload"]["aud"])


def test_given_the_recorded_report_calls_when_replayed_then_status_body_and_type_match(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    for name in (
        "products-integration-reports.by-gtin.empty.1.200.json",
        "products-integration-reports.by-gtin.empty.2.200.json",
    ):
        exchange = recorded(name)
        path = exchange["request"]["url"].split("/seller/v2", 1)[1]

        response = api.get(path)

        expected = exchange["response"]
        recorded_headers = {key.lower(): value for key, value in expected["headers"]}
        assert response.status_code == expected["status"]
        assert response.json() == expected["body"]
        assert response.headers["content-type"] == recorded_headers["content-type"]
        assert response.headers["via"] == recorded_headers["via"]
        assert "x-kong-upstream-latency" in response.headers


def test_given_the_measured_carriers_when_listed_then_the_bare_array_is_identical(
    api: httpx.Client,
) -> None:
    response = api.get("/carriers")

    assert response.status_code == 200
    assert response.json() == recorded("carriers.get-carriers.reconstructed.json")


def test_given_the_measured_delivery_modes_when_listed_then_the_envelope_is_identical(
    api: httpx.Client,
) -> None:
    response = api.get("/sellers/delivery-modes")

    assert response.status_code == 200
    assert response.json() == recorded("delivery-modes.measured-sample.json")


def test_given_orders_when_listed_then_each_has_the_reference_fields(api: httpx.Client) -> None:
    order_fields = {
        "orderId", "reference", "businessOrder", "salesChannel", "seller", "customer",
        "purchasedAt", "createdAt", "updatedAt", "shippedAtMax", "status", "payment",
        "currencyCode", "billingAddress", "totalPrice", "serviceFees", "statusEvents",
        "cancellationDetails", "lines",
    }  # fmt: skip
    line_fields = {
        "orderLineId", "status", "quantity", "totalPrice", "offerPrice", "sellingPrice", "offer",
        "delivery", "shippingAddress", "parcels", "productAttributes", "statusEvents",
    }  # fmt: skip

    response = api.get("/orders", params={"pageSize": 100})

    body = response.json()
    assert set(body) == {"itemsPerPage", "items"}
    assert body["itemsPerPage"] == len(body["items"]) > 0
    for order in body["items"]:
        assert order_fields <= set(order)
        assert order["salesChannel"] == {"id": "CDISFR", "name": "Cdiscount"}
        for line in order["lines"]:
            assert line_fields <= set(line)
            assert set(line["offerPrice"]["commission"]) == {
                "amountWithVat",
                "amountWithoutVat",
                "rate",
            }
