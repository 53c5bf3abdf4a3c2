"""Fulfilment: how a connection names its carriers, and how it ships.

- ``carrier_mappings``: the seller's carrier names or codes (as an ERP or a person types them) →
  the Cdiscount carrier label a shipment must name (``GET /carriers``, whose codes are not unique),
  with a tracking-link template;
- ``fulfilment_settings``: whether the marketplace takes several parcels per order for this
  connection (Cdiscount takes one parcel per complete order, reference §6.2.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class CarrierMapping(Base):
    """One seller carrier name → the marketplace's carrier label, and its tracking link."""

    __tablename__ = "carrier_mappings"
    __table_args__ = (UniqueConstraint("connection_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # The seller's name or code, stored folded (``casefold``) so "COLISSIMO" finds "colissimo".
    name: Mapped[str] = mapped_column(String(100))
    carrier_label: Mapped[str] = mapped_column(String(200))
    # "https://…{tracking}…": {tracking} is replaced by the parcel number.
    tracking_url_template: Mapped[str | None] = mapped_column(String(500), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FulfilmentSettings(Base):
    """How a connection ships: one parcel per complete order (default) or several."""

    __tablename__ = "fulfilment_settings"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    several_parcels: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hours before a deadline when a notification is raised, e.g. "12,2".
    alert_hours: Mapped[str] = mapped_column(String(40), default="12,2")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Notification(Base):
    """Something the seller should see (a deadline about to pass), read or unread."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), default=None
    )
    # acceptance_deadline, shipping_deadline
    kind: Mapped[str] = mapped_column(String(40))
    # What it is about, once: "order:12:acceptance:12h".
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300), default=None)
    # What the title says, as values (order, hours, deadline, indicator…): the pages word it in
    # the reader's language from ``kind`` and these; ``title`` is the English wording.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
