"""Figures kept by the database itself: orders per hour, and one line per customer.

Both tables are maintained by triggers on ``orders`` (migration ``0018_dashboard_figures``), in
the same transaction as the order's own insert or update, whoever writes it (the orders stream, an
import, a bulk ``INSERT … SELECT``): they cannot drift from the orders they sum, and a test
recounts them from ``orders`` after inserts, status changes, moves and deletions on both
databases. The dashboard reads a year of figures from a few thousand hour rows instead of half a
million orders; the customers list pages through customers instead of grouping every order.

``order_hours``: one row per (UTC hour of purchase, connection, status, currency) with the
number of orders and the sum of their totals in cents (every status: the reader leaves refused
and cancelled orders out of revenue). Orders without a purchase date are not counted.

``customers``: one row per (connection, customer key), the key being the marketplace's customer
reference, else the e-mail address, else the name. ``orders`` counts every order,
``revenue_cents`` only those neither refused nor cancelled; ``currency`` is the newest order's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class OrderHour(Base):
    """Orders bought in one UTC hour on one connection, in one status and currency."""

    __tablename__ = "order_hours"

    hour: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class OrderDay(Base):
    """The same as ``OrderHour`` per UTC day: a year of figures in a few thousand rows."""

    __tablename__ = "order_days"

    day: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class Customer(Base):
    """A customer of one connection, as its orders describe them."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("connection_id", "key"),
        # The customers list, most recent buyer first, and the new customers of a period.
        Index("ix_customers_last_order", "last_order_at", "id"),
        Index("ix_customers_first_order", "first_order_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    first_order_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_order_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class SyncRunHour(Base):
    """Sync runs started in one UTC hour on one connection, per outcome (kept by triggers on
    ``sync_runs``: a run counts under "running" until it ends, then under its outcome; pruned
    runs leave the count, as they leave the table)."""

    __tablename__ = "sync_run_hours"

    hour: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    runs: Mapped[int] = mapped_column(Integer)
