"""The demo shop has stock in two warehouses, seeded once."""

from __future__ import annotations

from sqlalchemy import func, select

from cdlink.cli.demo_stock import DEMO_PRODUCTS, seed_demo_stock
from cdlink.core.clock import ManualClock
from cdlink.store.engine import Database
from cdlink.store.models import StockLevel, Warehouse


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
