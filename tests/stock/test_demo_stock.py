"""The demo shop has stock in two warehouses, seeded once, both sold by the demo connection."""

from __future__ import annotations

from sqlalchemy import func, select

from cdlink.cli.demo_stock import DEMO_PRODUCTS, map_demo_warehouses, seed_demo_stock
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import OutboxEntry, StockLevel, Warehouse, WarehouseConnection
from tests.support.sandbox_shop import sandbox_connection


def test_given_a_new_demo_when_seeded_twice_then_two_warehouses_hold_stock_once(
    database: Database, clock: ManualClock
) -> None:
    seed_demo_stock(database, clock)
    with database.session() as session:
        level = session.scalars(select(StockLevel).order_by(StockLevel.product_id)).first()
        assert level is not None
        level.on_hand = 99  # the user changed it in the demo
    seed_demo_stock(database, clock)

    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Warehouse)) == 2
        levels = session.scalar(select(func.count()).select_from(StockLevel))
        assert levels == 2 * DEMO_PRODUCTS
        assert session.scalar(select(func.max(StockLevel.on_hand))) == 99
        held = session.scalars(select(StockLevel.warehouse_id).where(StockLevel.on_hand > 0))
        assert len(set(held)) == 2


def test_given_the_demo_connection_when_warehouses_are_mapped_then_both_sell_and_pushes_queue(
    database: Database, clock: ManualClock, settings: Settings
) -> None:
    sandbox = Sandbox(SandboxConfig(seed=3, offers=12, orders=0))
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now(), stock_sync_enabled=True))
    seed_demo_stock(database, clock)

    map_demo_warehouses(database, clock, 1)
    map_demo_warehouses(database, clock, 1)  # each start: nothing mapped twice

    with database.reading() as session:
        mapped = session.scalar(select(func.count()).select_from(WarehouseConnection))
        queued = set(session.scalars(select(OutboxEntry.key).where(OutboxEntry.stream == "stock")))
    assert mapped == 2
    assert queued == {f"SKU-{index + 1:05d}" for index in range(DEMO_PRODUCTS)}
