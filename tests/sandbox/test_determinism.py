"""One seed, one marketplace: the same shop, orders and faults whatever the clock's steps."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.core.clock import ManualClock
from cdlink.sandbox import FaultRule, Sandbox, SandboxConfig
from cdlink.sandbox.generator import make_offer, make_order
from cdlink.sandbox.gtin import is_valid_ean13
from cdlink.sandbox.pricing import line_selling_total, order_selling_total
from tests.support.sandbox_api import START, fetch_token


def snapshot(sandbox: Sandbox) -> tuple[object, ...]:
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        credentials = sandbox.credentials
        token = fetch_token(http, credentials.client_id, credentials.client_secret)
        headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}
        orders = http.get("/seller/v2/orders", params={"pageSize": 100}, headers=headers).json()
        offers = http.get(
            "/seller/v2/offers", params={"salesChannelId": "CDISFR", "limit": 1000}, headers=headers
        ).json()
    return credentials.client_secret, orders, offers


def test_given_the_same_seed_when_built_twice_then_identical_shops() -> None:
    first = snapshot(Sandbox(SandboxConfig(seed=42), clock=ManualClock(START)))
    second = snapshot(Sandbox(SandboxConfig(seed=42), clock=ManualClock(START)))
    other = snapshot(Sandbox(SandboxConfig(seed=43), clock=ManualClock(START)))

    assert first == second
    assert first != other


def test_given_the_same_seed_when_time_moves_in_different_steps_then_the_same_orders() -> None:
    config = SandboxConfig(seed=5, orders=0, orders_per_hour=90)
    one_jump = Sandbox(config, clock=ManualClock(START))
    many_steps = Sandbox(config, clock=ManualClock(START))

    one_jump.advance(3 * 3600)
    for _ in range(36):
        many_steps.advance(300)

    assert one_jump.summary()["sellers"] == many_steps.summary()["sellers"]
    assert snapshot(one_jump) == snapshot(many_steps)


def test_given_the_same_seed_when_faults_fire_by_probability_then_the_same_pattern() -> None:
    def pattern(seed: int) -> list[int]:
        sandbox = Sandbox(SandboxConfig(seed=seed), clock=ManualClock(START))
        sandbox.add_fault(FaultRule(kind="status", endpoint="token", probability=0.5))
        with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
            return [
                http.post(
                    "/auth/realms/maas/protocol/openid-connect/token",
                    data={"grant_type": "client_credentials"},
                ).status_code
                for _ in range(20)
            ]

    assert pattern(1) == pattern(1)
    assert set(pattern(1)) == {401, 503}


def test_given_a_reseed_when_asked_over_http_then_the_shop_is_rebuilt(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    response = http.post("/_sandbox/seed", json={"seed": 99, "offers": 5, "orders": 3})

    summary = http.get("/_sandbox/state").json()
    seller = summary["sellers"][str(sandbox.credentials.seller_id)]
    assert response.json()["client_secret"] == sandbox.credentials.client_secret
    assert summary["seed"] == 99
    assert seller["offers"] == 5
    assert seller["orders"] <= 3


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_given_any_seed_when_an_order_is_generated_then_its_totals_are_exact(seed: int) -> None:
    rng = random.Random(seed)
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    offers = [make_offer(rng, index, now, quantity=5) for index in range(5)]

    order = make_order(rng, 700085, offers, now, SandboxConfig())

    lines = sum((line_selling_total(line) for line in order.lines), Decimal(0))
    fees = sum((amount for _, amount in order.service_fees), Decimal(0))
    assert order_selling_total(order) == lines + fees
    assert all(is_valid_ean13(offer.gtin) for offer in offers)
    assert all(line.quantity >= 1 for line in order.lines)
    assert order.order_id[:10] == "2605011200"
