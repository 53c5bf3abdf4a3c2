"""Seller performance and the notification channels beyond the app.

- ``performance_figures``: one row per connection, source (``cdiscount``: what
  ``/sellers/indicators`` said; ``cdlink``: what cdlink computed from its own data), indicator
  and day — the history the Performance page draws;
- ``email_settings``: the SMTP server notifications are e-mailed through (one row; the password
  only ever stored encrypted by the secret box);
- ``notification_emails``: the e-mail of each notification, queued in the transaction that
  raised it and sent by the ``notification_emails`` stream, with its outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class PerformanceFigure(Base):
    """One indicator of one connection on one day, from Cdiscount or computed by cdlink."""

    __tablename__ = "performance_figures"
    __table_args__ = (UniqueConstraint("connection_id", "source", "name", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # cdiscount | cdlink
    source: Mapped[str] = mapped_column(String(20))
    # order_acceptation, product_shipping, deadline_compliance, order_claims, order_refunds
    name: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    # Percentages over the last 30 and 60 days.
    value_d30: Mapped[Decimal | None] = mapped_column(Numeric(7, 3), default=None)
    value_d60: Mapped[Decimal | None] = mapped_column(Numeric(7, 3), default=None)
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(7, 3), default=None)
    # ThresholdMin (stay above) | ThresholdMax (stay below)
    threshold_type: Mapped[str | None] = mapped_column(String(20), default=None)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EmailSettings(Base):
    """Where notification e-mails go and through which SMTP server (a single row, id 1)."""

    __tablename__ = "email_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(Integer, default=587)
    # starttls | tls | none
    security: Mapped[str] = mapped_column(String(10), default="starttls")
    username: Mapped[str | None] = mapped_column(String(255), default=None)
    # Encrypted by the secret box; never returned, logged or rendered.
    password_ciphertext: Mapped[str | None] = mapped_column(Text, default=None)
    from_address: Mapped[str] = mapped_column(String(254), default="")
    # Comma-separated addresses.
    recipients: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NotificationEmail(Base):
    """The e-mail of one notification: pending → sent | failed (after its attempts)."""

    __tablename__ = "notification_emails"
    __table_args__ = (Index("ix_notification_emails_connection_state", "connection_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), unique=True
    )
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), default=None
    )
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
