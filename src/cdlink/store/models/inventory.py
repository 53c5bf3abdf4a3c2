"""Inventory tables: the catalog, warehouses, stock levels, movements, reservations, buffers.

Stock lives per (product, warehouse); every change is also a row of the movement journal. A
connection sells the stock of the warehouses mapped to it, less what open orders reserve and
less the buffers (per connection, and per product of a connection). ``stock_push_status`` holds,
per (connection, SKU), what the stock pusher last sent and how it went.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class Product(Base):
    """One sellable product of the seller's catalog, identified by its SKU."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(50), unique=True)
    ean: Mapped[str | None] = mapped_column(String(14), default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Warehouse(Base):
    """A place holding stock."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Created, renamed, or mapped to or from a connection (its stock levels have their own).
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WarehouseConnection(Base):
    """A warehouse whose stock a connection sells."""

    __tablename__ = "warehouse_connections"
    __table_args__ = (PrimaryKeyConstraint("warehouse_id", "connection_id"),)

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # Where the connection's shipments take units from first: lowest first, then by code.
    priority: Mapped[int] = mapped_column(Integer, default=0)


class StockLevel(Base):
    """Units on hand of one product in one warehouse."""

    __tablename__ = "stock_levels"
    __table_args__ = (PrimaryKeyConstraint("product_id", "warehouse_id"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StockMovement(Base):
    """The journal: one row per change of a stock level, with its cause."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_product_created", "product_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    on_hand_after: Mapped[int] = mapped_column(Integer)
    # "set", "adjust", "csv", "api", "order", "cancellation", "shipment", "import"…
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Reservation(Base):
    """Units held for an open order line until it ships or is cancelled.

    Keyed by the order's reference so the orders capability can create and release them.
    """

    __tablename__ = "stock_reservations"
    __table_args__ = (UniqueConstraint("connection_id", "order_reference", "product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    order_reference: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


#: ``StockBuffer.product_id`` of a connection's buffer for every product (no product has id 0).
EVERY_PRODUCT = 0


class StockBuffer(Base):
    """Units kept back from a connection: for every product (``EVERY_PRODUCT``) or for one."""

    __tablename__ = "stock_buffers"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "product_id"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # EVERY_PRODUCT means "every product of the connection" (no foreign key on purpose).
    product_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)


class StockPushStatus(Base):
    """What the stock pusher last sent for a SKU of a connection, when, and how it went."""

    __tablename__ = "stock_push_status"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "sku"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(Integer)
    pushed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # "confirmed" or "refused"
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    confirmed_quantity: Mapped[int | None] = mapped_column(Integer, default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class MarketplaceQuantity(Base):
    """The quantity Cdiscount showed for a SKU of a connection when its offers were last read."""

    __tablename__ = "marketplace_quantities"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "sku"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(50))
    quantity: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())
