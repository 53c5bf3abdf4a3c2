"""Orders: what the marketplace sold for a connection, its lines, its history, the seller's actions.

One ``orders`` row per (connection, marketplace order id): the unique constraint is the last
guard against a duplicate, behind the sync engine's bindings. Amounts are exact (``Amount``:
Numeric in the database, Decimal in Python) in the order's currency. Addresses and the service
fees keep the marketplace's own fields (JSON), because their shape varies by delivery mode.

``order_actions`` records what the seller asked (accept, refuse, cancel, re-sync) *before* it is
sent: the orders exporter sends it through the marketplace client and writes the outcome back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdlink.store.base import Base
from cdlink.store.types import Amount, UtcDateTime


class Order(Base):
    """An order of one connection, as last imported from the marketplace."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("connection_id", "marketplace_order_id"),
        Index("ix_orders_connection_status", "connection_id", "status"),
        Index("ix_orders_connection_purchased", "connection_id", "purchased_at"),
        # The orders list (newest first) and the dashboard's sales since a moment.
        Index("ix_orders_purchased", "purchased_at", "id"),
        # The orders list filtered by status, newest first.
        Index("ix_orders_status_purchased", "status", "purchased_at", "id"),
        # The dashboard: orders awaiting acceptance and orders to ship, by deadline.
        Index("ix_orders_status_acceptance", "status", "acceptance_deadline"),
        Index("ix_orders_status_shipping", "status", "shipping_deadline"),
        # A customer's orders (``cdlink.hub.customers``).
        Index("ix_orders_customer", "connection_id", "customer_reference"),
        # The API's ``sort=updated_at`` and ``updated_since`` (a client that syncs).
        Index("ix_orders_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    marketplace_order_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(40))
    # The marketplace's updatedAt of the version stored: an older version is never applied.
    marketplace_updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    purchased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    sales_channel: Mapped[str | None] = mapped_column(String(40), default=None)
    business_order: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    offer_amount: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    service_fees_amount: Mapped[Decimal] = mapped_column(Amount())
    # [{"label": ..., "amount": "1.23"}]: processing fee, instalment fee...
    service_fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    payment_method: Mapped[str | None] = mapped_column(String(40), default=None)
    customer_reference: Mapped[str | None] = mapped_column(String(120), default=None)
    customer_name: Mapped[str | None] = mapped_column(String(200), default=None)
    customer_email: Mapped[str | None] = mapped_column(String(254), default=None)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    acceptance_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    shipping_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # True when the marketplace sent no shipping deadline and ``shipping_deadline`` is cdlink's
    # estimate (``cdlink.hub.orders.records.SHIPPING_ESTIMATE``).
    shipping_deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    # What stock said of the order (``cdlink.hub.orders.stock``): why it was not accepted
    # automatically, units missing at shipment. [{"kind": "short", "sku": ..., ...}]
    stock_issues: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderStatusEvent.id"
    )


class OrderLine(Base):
    """One line of an order: the offer sold, its quantity, prices, commission and taxes."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(40), default=None)
    quantity: Mapped[int] = mapped_column(Integer)
    seller_sku: Mapped[str | None] = mapped_column(String(120), default=None)
    product_id: Mapped[str | None] = mapped_column(String(64), default=None)
    product_title: Mapped[str | None] = mapped_column(Text, default=None)
    gtin: Mapped[str | None] = mapped_column(String(20), default=None)
    supply_mode: Mapped[str | None] = mapped_column(String(40), default=None)
    unit_price: Mapped[Decimal] = mapped_column(Amount())
    shipping_cost: Mapped[Decimal] = mapped_column(Amount())
    total_amount: Mapped[Decimal] = mapped_column(Amount())
    commission_amount: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    commission_amount_without_vat: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    commission_rate: Mapped[Decimal | None] = mapped_column(Amount(9, 4), default=None)
    # [{"code": "VAT", "target": ..., "amount": "3.33", "rate": "20"}]
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    shipping_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The marketplace's delivery mode (REST code, legacy code or name): shown translated.
    delivery_mode: Mapped[str | None] = mapped_column(String(40), default=None)
    # Stock effects already applied (``cdlink.hub.orders.stock``): the line was seen open by
    # cdlink (so its units were reserved), and how many units its shipment took from on-hand.
    stock_held: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_shipped: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderStatusEvent(Base):
    """A status an order (or one of its lines) was seen in, in the order it was seen."""

    __tablename__ = "order_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_status: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(40))
    # The marketplace's updatedAt of the version that showed the new status.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    order: Mapped[Order] = relationship(back_populates="events")


class OrderAction(Base):
    """What the seller asked to do to an order, recorded before it is sent, with its outcome."""

    __tablename__ = "order_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # accept, refuse, ship, cancel, cancel_lines, resync
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → done | failed
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    requested_by: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OrderSettings(Base):
    """How orders of one connection are handled: the acceptance policy."""

    __tablename__ = "order_settings"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    # manual: the seller accepts each order; in_stock: cdlink accepts an order when stock covers
    # every line; always: cdlink accepts every new order.
    acceptance: Mapped[str] = mapped_column(String(20))
    # With in_stock: refuse an order stock does not cover (otherwise the seller decides).
    auto_refuse: Mapped[bool] = mapped_column(Boolean, default=False)
    # When automatic refusal was switched on: it refuses only orders imported since then (the
    # orders already waiting are refused only when the seller confirms it). None: off.
    auto_refuse_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
