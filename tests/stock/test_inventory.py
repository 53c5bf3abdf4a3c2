"""Stock writes: levels, journal, reservations, buffers; each queues a push in its transaction."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from cdlink.hub.stock.inventory import (
    InvalidStockError,
    Inventory,
    UnknownProductError,
    UnknownWarehouseError,
    add_warehouse,
)
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import Connection, OutboxEntry, StockMovement, StreamSchedule
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.stock import CONNECTION, inventory, sku


def queued(shop: JobEnvironment) -> list[tuple[str, int]]:
    with shop.database.reading() as session:
        entries = session.scalars(
            select(OutboxEntry).where(OutboxEntry.stream == "stock").order_by(OutboxEntry.id)
        )
        return [(entry.key, entry.payload["quantity"]) for entry in entries]


def test_given_two_warehouses_when_stock_is_set_then_available_is_their_sum_and_a_push_is_queued(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 7, "count")
        stock.set_on_hand(sku(0), "LYON", 5, "count")

    assert queued(shop)[-2:] == [(sku(0), 7), (sku(0), 12)]
    with shop.database.reading() as session:
        schedule = session.get_one(StreamSchedule, (CONNECTION, "stock"))
        assert schedule.requested_trigger == "event"
        movements = session.scalars(select(StockMovement.delta).order_by(StockMovement.id)).all()[
            -2:
        ]
        assert movements == [7, 5]


def test_given_a_reservation_and_buffers_when_computed_then_they_are_taken_off(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(1), "PARIS", 10, "count")
        stock.reserve(CONNECTION, "ORDER-1", sku(1), 3)
        stock.set_buffer(CONNECTION, 2)
        stock.set_buffer(CONNECTION, 1, sku(1))

    assert queued(shop)[-1] == (sku(1), 6)  # 10 - 3 reserved - 1 (its own buffer wins)
    with inventory(shop) as stock:
        stock.release(CONNECTION, "ORDER-1")
        assert stock.available(CONNECTION, stock.product(sku(2))) == 0
    assert queued(shop)[-1] == (sku(1), 9)


def test_given_a_failing_write_when_rolled_back_then_no_push_is_queued(
    shop: JobEnvironment,
) -> None:
    before = queued(shop)
    with pytest.raises(InvalidStockError), inventory(shop) as stock:  # noqa: PT012
        stock.set_on_hand(sku(0), "PARIS", 4, "count")
        stock.adjust_on_hand(sku(0), "PARIS", -5, "sale")

    assert queued(shop) == before


def test_given_stock_sync_off_when_stock_changes_then_nothing_is_queued(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        session.get_one(Connection, CONNECTION).stock_sync_enabled = False
    before = queued(shop)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 3, "count")
        assert stock.adjust_on_hand(sku(0), "PARIS", 2, "delivery") == 5

    assert queued(shop) == before


def test_given_an_unmapped_warehouse_when_it_has_stock_then_the_connection_does_not_sell_it(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        add_warehouse(stock.session, shop.clock, "RETURNS", "Returns")
        stock.set_on_hand(sku(3), "RETURNS", 50, "count")
        assert stock.available(CONNECTION, stock.product(sku(3))) == 0


def test_given_unknown_names_or_negative_numbers_when_written_then_clear_errors(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        stock = Inventory(session, shop.clock, publish_to_outbox)
        with pytest.raises(UnknownProductError) as unknown_sku:
            stock.set_on_hand("NOPE", "PARIS", 1, "count")
        with pytest.raises(UnknownWarehouseError):
            stock.set_on_hand(sku(0), "MARS", 1, "count")
        with pytest.raises(InvalidStockError):
            stock.set_on_hand(sku(0), "PARIS", -1, "count")
        with pytest.raises(InvalidStockError):
            stock.reserve(CONNECTION, "ORDER-2", sku(0), -1)
        with pytest.raises(InvalidStockError):
            stock.set_buffer(CONNECTION, -1)
    assert "import the offers" in unknown_sku.value.hint


def test_given_two_concurrent_adjustments_of_one_level_when_both_commit_then_both_count(
    shop: JobEnvironment,
) -> None:
    with inventory(shop) as stock:
        stock.set_on_hand(sku(5), "PARIS", 10, "count")
    first_holds_the_row = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        first_holds_the_row.wait()
        try:
            with inventory(shop) as stock:  # waits for the first transaction's lock
                stock.adjust_on_hand(sku(5), "PARIS", -4, "sale")
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with inventory(shop) as stock:
        stock.adjust_on_hand(sku(5), "PARIS", 3, "return")
        first_holds_the_row.set()
        time.sleep(0.3)  # let the second transaction reach the row before this one commits
    thread.join()

    assert errors == []
    with inventory(shop) as stock:
        assert stock.adjust_on_hand(sku(5), "PARIS", 0, "check") == 9
