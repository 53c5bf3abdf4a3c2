"""Deferred publishing: a burst of stock changes in one transaction publishes each SKU once, at
the end of the block, with the quantity immediate publishing would have ended on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from cdlink.hub.stock.inventory import Inventory, add_product
from cdlink.jobs.environment import JobEnvironment
from tests.support.stock import CONNECTION, sku

Published = list[tuple[int, str, int]]


class RolledBackError(Exception):
    """Raised to roll a test transaction back."""


def recorder(published: Published) -> Callable[[Session, int, str, int, datetime], None]:
    def publish(
        session: Session, connection_id: int, sku: str, quantity: int, now: datetime
    ) -> None:
        published.append((connection_id, sku, quantity))

    return publish


def burst(stock: Inventory) -> None:
    """Counts, holds of three orders (one changed twice, one released), and a buffer."""
    stock.set_on_hand(sku(0), "PARIS", 20, "count")
    stock.set_on_hand(sku(1), "LYON", 9, "count")
    stock.hold(CONNECTION, "ORDER-A", {sku(0): 2, sku(1): 1})
    stock.hold(CONNECTION, "ORDER-B", {sku(0): 5})
    stock.hold(CONNECTION, "ORDER-A", {sku(0): 3})  # its second version: sku 1 no longer held
    stock.adjust_on_hand(sku(0), "PARIS", -4, "sale")
    stock.hold(CONNECTION, "ORDER-C", {sku(2): 1})
    stock.set_buffer(CONNECTION, 1, sku(2))


@contextmanager
def rolled_back(shop: JobEnvironment) -> Iterator[tuple[Session, Published]]:
    """A transaction that is rolled back at the end, and what its stock writes published."""
    published: Published = []
    with suppress(RolledBackError), shop.database.session() as session:
        yield session, published
        raise RolledBackError


def run(shop: JobEnvironment, change: Callable[[Inventory], None]) -> Published:
    """``change`` in a transaction that is rolled back; what it published."""
    with rolled_back(shop) as (session, published):
        change(Inventory(session, shop.clock, recorder(published)))
    return published


def test_given_a_burst_of_changes_when_deferred_then_each_sku_is_published_once_with_its_last(
    shop: JobEnvironment,
) -> None:
    immediate = run(shop, burst)

    def deferred_burst(stock: Inventory) -> None:
        with stock.deferred_publishing():
            burst(stock)

    deferred = run(shop, deferred_burst)

    last = {(connection, code): quantity for connection, code, quantity in immediate}
    assert len(immediate) > len(last)  # the burst published some SKUs more than once
    assert deferred == sorted(
        [(connection, code, quantity) for (connection, code), quantity in last.items()],
        key=lambda item: item[1],
    )
    assert last[(CONNECTION, sku(0))] == 20 - 4 - 3 - 5


def run_deferred_then_fail(stock: Inventory) -> None:
    with stock.deferred_publishing():
        burst(stock)
        raise RolledBackError


def test_given_a_block_that_raises_when_deferred_then_nothing_is_published(
    shop: JobEnvironment,
) -> None:
    with rolled_back(shop) as (session, published):
        stock = Inventory(session, shop.clock, recorder(published))
        with pytest.raises(RolledBackError):
            run_deferred_then_fail(stock)

        assert published == []


def test_given_nested_blocks_when_the_inner_one_ends_then_the_outer_one_publishes(
    shop: JobEnvironment,
) -> None:
    with rolled_back(shop) as (session, published):
        stock = Inventory(session, shop.clock, recorder(published))
        with stock.deferred_publishing():
            with stock.deferred_publishing():
                stock.set_on_hand(sku(3), "PARIS", 6, "count")
            assert published == []
            stock.hold(CONNECTION, "ORDER-D", {sku(3): 2})
        assert published == [(CONNECTION, sku(3), 4)]


def test_given_an_order_of_a_product_without_stock_when_deferred_then_its_offer_is_not_zeroed(
    shop: JobEnvironment,
) -> None:
    with rolled_back(shop) as (session, published):
        add_product(session, shop.clock, "NEVER-COUNTED", title="Not counted")
        stock = Inventory(session, shop.clock, recorder(published))
        with stock.deferred_publishing():
            stock.hold(CONNECTION, "ORDER-E", {"NEVER-COUNTED": 1, sku(4): 1})
        assert published == [(CONNECTION, sku(4), 0)]
