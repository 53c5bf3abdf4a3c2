"""How orders of a connection are imported: history imports, filters, labels, reasons, events.

- ``initial_imports``: one request to import a connection's past orders (a date range), with its
  progress, committed with the orders of each window so a crash resumes where it stopped;
- ``order_import_filters``: which marketplace statuses and purchase dates a connection imports;
- ``payment_method_labels``: the seller's own name for each marketplace payment method;
- ``cancellation_reasons``: the marketplace's reason codes, fetched and cached per order status;
- ``carriers``: the marketplace's carrier referential, fetched and cached per connection;
- ``order_sync_events``: what the sync engine did to one order (imported, updated, ignored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class InitialImport(Base):
    """An import of the orders a connection's customers placed in ``[created_from, created_to)``."""

    __tablename__ = "initial_imports"
    __table_args__ = (Index("ix_initial_imports_connection_state", "connection_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    created_from: Mapped[datetime] = mapped_column(UtcDateTime())
    # Excluded: the start of the day after the last day asked for.
    created_to: Mapped[datetime] = mapped_column(UtcDateTime())
    # Data types: orders always; customers (names, e-mail addresses, addresses) when True.
    customers: Mapped[bool] = mapped_column(Boolean, default=True)
    # queued → running → done | failed | cancelled
    state: Mapped[str] = mapped_column(String(20))
    # Orders the marketplace counts in the range (None until the first run asked it).
    total: Mapped[int | None] = mapped_column(Integer, default=None)
    # Orders read in the windows committed so far.
    done: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    # The end of the last committed window: the next run starts here.
    reached: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    requested_by: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class OrderImportFilter(Base):
    """Which orders a connection imports: by marketplace status and from a purchase date."""

    __tablename__ = "order_import_filters"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    # None: every status; otherwise the marketplace statuses imported.
    statuses: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    purchased_from: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PaymentMethodLabel(Base):
    """The seller's label for one of the marketplace's payment methods, per connection."""

    __tablename__ = "payment_method_labels"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "method"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CachedCancellationReason(Base):
    """A cancellation reason the marketplace offers for orders in ``order_status``."""

    __tablename__ = "cancellation_reasons"
    __table_args__ = (UniqueConstraint("connection_id", "order_status", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    order_status: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(80))
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CachedCarrier(Base):
    """A carrier the marketplace lists (``GET /carriers``): a shipment may name its label."""

    __tablename__ = "carriers"
    __table_args__ = (UniqueConstraint("connection_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    # Codes are not unique: one code may carry several labels (reference §6.1).
    code: Mapped[str | None] = mapped_column(String(80), default=None)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderSyncEvent(Base):
    """Something the sync engine did to one order, written in the transaction that did it."""

    __tablename__ = "order_sync_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # imported, updated, ignored (an older version than the one stored)
    kind: Mapped[str] = mapped_column(String(20))
    # The stream that did it: orders, orders_history, order_actions, orders_reconciliation.
    stream: Mapped[str] = mapped_column(String(40))
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    marketplace_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
