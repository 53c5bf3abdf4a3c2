"""The issue's key test: 10,000 random stock changes over 1,000 SKUs, pushed while they happen,
end with every SKU's quantity on Cdiscount (the sandbox) equal to its final available-to-sell.

The expected values are computed here, independently of the hub, from the changes themselves.
The full 10,000 changes run on both databases: a stock change costs a few statements (the
inventory keeps what it has read for its transaction, availability is one query) and the pusher
reads and records each batch in bulk, so PostgreSQL's round trips stay affordable.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from tests.support.stock import CONNECTION, inventory, sku

SKU_COUNT = 1000
CHANGES = 10_000
ROUNDS = 20
WAREHOUSES = ("PARIS", "LYON")


@pytest.fixture
def sku_count() -> int:
    return SKU_COUNT


class Expected:
    """The stock as the test sees it: on-hand per warehouse, reservations and buffers."""

    def __init__(self) -> None:
        self.on_hand: dict[tuple[str, str], int] = defaultdict(int)
        self.reserved: dict[str, dict[str, int]] = defaultdict(dict)  # sku → order → units
        self.buffer: dict[str, int] = {}
        self.default_buffer = 0

    def available(self, reference: str) -> int:
        total = sum(self.on_hand[(reference, code)] for code in WAREHOUSES)
        buffer = self.buffer.get(reference, self.default_buffer)
        return max(0, total - sum(self.reserved[reference].values()) - buffer)


def apply_random_changes(
    shop: JobEnvironment, rng: random.Random, expected: Expected, count: int
) -> None:
    with inventory(shop) as stock:
        for _ in range(count):
            reference, code = sku(rng.randrange(SKU_COUNT)), rng.choice(WAREHOUSES)
            action = rng.random()
            if action < 0.5:
                quantity = rng.randrange(0, 30)
                stock.set_on_hand(reference, code, quantity, "count")
                expected.on_hand[(reference, code)] = quantity
            elif action < 0.8:
                delta = max(-expected.on_hand[(reference, code)], rng.randrange(-5, 6))
                stock.adjust_on_hand(reference, code, delta, "sale")
                expected.on_hand[(reference, code)] += delta
            elif action < 0.92:
                order = f"ORDER-{rng.randrange(50)}"
                quantity = rng.randrange(1, 4)
                stock.reserve(CONNECTION, order, reference, quantity)
                expected.reserved[reference][order] = quantity
            elif action < 0.99:
                order = f"ORDER-{rng.randrange(50)}"
                stock.release(CONNECTION, order)
                for held in expected.reserved.values():
                    held.pop(order, None)
            else:
                buffer = rng.randrange(0, 3)
                stock.set_buffer(CONNECTION, buffer, reference)
                expected.buffer[reference] = buffer


@pytest.mark.slow
def test_given_10000_random_changes_over_1000_skus_when_pushed_then_cdiscount_matches_available(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    rng = random.Random(8)
    expected = Expected()
    sandbox.add_fault(FaultRule(kind="status", endpoint="packages.get", status=503, count=5))
    for _ in range(ROUNDS):
        apply_random_changes(shop, rng, expected, CHANGES // ROUNDS)
        if rng.random() < 0.6:  # the pusher runs while changes keep coming, not after each
            report = shop.runner().run(CONNECTION, "stock")
            assert report.outcome == "succeeded", report.message
    final = shop.runner().run(CONNECTION, "stock")
    assert final.outcome == "succeeded", final.message

    wrong = {
        sku(index): (sandbox.offer(sku(index))["quantity"], expected.available(sku(index)))
        for index in range(SKU_COUNT)
        if sandbox.offer(sku(index))["quantity"] != expected.available(sku(index))
    }
    assert wrong == {}
    assert sum(expected.available(sku(index)) > 0 for index in range(SKU_COUNT)) > SKU_COUNT // 4
