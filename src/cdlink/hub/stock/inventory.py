"""Stock writes and reads: the one place that changes stock levels, reservations and buffers.

``Inventory`` is made of three parts, each in its own module: the core every operation shares
(lookups, available-to-sell, publishing: ``inventory_core``), stock levels and reservations
(``levels``), and buffers and warehouse mappings (``mapping``). Every write journals what it did
and, in the same transaction, hands the new available-to-sell of every affected (connection,
SKU) to the ``StockPublisher`` the caller passes (``cdlink.sync.stock.pusher.publish_to_outbox``).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.hub.stock.inventory_core import (
    MAXIMUM_QUANTITY,
    InvalidStockError,
    OrderKey,
    StockPublisher,
    UnknownProductError,
    UnknownWarehouseError,
    is_managed,
    is_managed_on,
)
from cdlink.hub.stock.levels import StockLevels
from cdlink.hub.stock.mapping import WarehouseMapping
from cdlink.store.models import Product, Warehouse

__all__ = [
    "MAXIMUM_QUANTITY",
    "InvalidStockError",
    "Inventory",
    "OrderKey",
    "StockPublisher",
    "UnknownProductError",
    "UnknownWarehouseError",
    "add_product",
    "add_warehouse",
    "is_managed",
    "is_managed_on",
]


class Inventory(StockLevels, WarehouseMapping):
    """Stock operations inside one session (the caller's transaction)."""


def add_product(
    session: Session,
    clock: Clock,
    sku: str,
    *,
    ean: str | None = None,
    title: str = "",
    price: Decimal | None = None,
) -> Product:
    """Create a catalog product, or return the one with that SKU (filling in what it lacks)."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        now = clock.now()
        product = Product(
            sku=sku, ean=ean, title=title, price=price, created_at=now, updated_at=now
        )
        session.add(product)
        session.flush()
    else:
        product.ean = product.ean or ean
        product.price = product.price if product.price is not None else price
    return product


def add_warehouse(session: Session, clock: Clock, code: str, name: str) -> Warehouse:
    """Create a warehouse, or return the one with that code."""
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        now = clock.now()
        warehouse = Warehouse(code=code, name=name, created_at=now, updated_at=now)
        session.add(warehouse)
        session.flush()
    return warehouse
