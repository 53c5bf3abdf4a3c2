"""The demo shop's stock: the sandbox's first products held in two warehouses, both sold by the
demo's connection.

Run at each start of ``cdlink demo``; it only fills in what is missing, so stock the user
changed in the demo stays as they left it. Mapping the warehouses queues the available-to-sell
of every product with stock, so the Stock page shows Cdiscount's quantities converging.
"""

from __future__ import annotations

from sqlalchemy import select

from cdlink.core.clock import Clock
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.store.engine import Database
from cdlink.store.models import StockLevel, Warehouse
from cdlink.sync.stock.pusher import publish_to_outbox

DEMO_WAREHOUSES = (("PARIS", "Entrepôt Paris"), ("LYON", "Entrepôt Lyon"))
DEMO_PRODUCTS = 12


def seed_demo_stock(database: Database, clock: Clock) -> None:
    """Give SKU-00001 … SKU-00012 (the sandbox's offers) stock in Paris and Lyon."""
    with database.session() as session:
        if session.scalar(select(StockLevel.product_id).limit(1)) is not None:
            return
        stock = Inventory(session, clock, publish_to_outbox)
        for code, name in DEMO_WAREHOUSES:
            add_warehouse(session, clock, code, name)
        for index in range(DEMO_PRODUCTS):
            sku = f"SKU-{index + 1:05d}"
            add_product(session, clock, sku, title=f"Demo product {index + 1}")
            stock.set_on_hand(sku, "PARIS", (index * 7) % 20, "demo")
            stock.set_on_hand(sku, "LYON", (index * 3) % 9, "demo")


def map_demo_warehouses(database: Database, clock: Clock, connection_id: int) -> None:
    """Let the demo's connection sell PARIS and LYON (their quantities are pushed at once).

    A demo warehouse the user deleted stays deleted.
    """
    with database.session() as session:
        stock = Inventory(session, clock, publish_to_outbox)
        existing = set(session.scalars(select(Warehouse.code)))
        for code, _name in DEMO_WAREHOUSES:
            if code in existing:
                stock.map_warehouse(code, connection_id)
