"""Catalog tables: product sheets, the Cdiscount taxonomy cache, category mappings, publishing.

``product_sheets`` holds what a product sheet needs beyond ``products`` (SKU, EAN, title):
descriptions, brand, pictures, the seller's attributes and category, the variant group.
``catalog_categories`` caches the marketplace's taxonomy per connection (a stream refreshes it;
pages never call the marketplace). ``category_mappings`` turns a seller category into a level-3
Cdiscount category, seller attributes into property references and values into choices.
``catalog_packages`` records each product package before it is sent (like the outbox), and
``product_publications`` says per (connection, product) where its sheet stands; a sheet is live
only when a report said ``Integrated`` (``product_reports`` keeps every report read).
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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class ProductSheetRecord(Base):
    """The sheet fields of one catalog product (one row per product, created on first edit)."""

    __tablename__ = "product_sheets"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    marketing_description: Mapped[str | None] = mapped_column(Text, default=None)
    brand: Mapped[str | None] = mapped_column(String(120), default=None)
    pictures: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    variant_group: Mapped[str | None] = mapped_column(String(80), default=None)
    seller_category: Mapped[str | None] = mapped_column(String(200), default=None)
    # The Cdiscount category the referential gives an imported product (its offer's product).
    marketplace_category: Mapped[str | None] = mapped_column(String(12), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogCategory(Base):
    """One category of the marketplace's taxonomy, cached for a connection."""

    __tablename__ = "catalog_categories"
    __table_args__ = (UniqueConstraint("connection_id", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[int] = mapped_column(Integer, default=0)
    # The labels from the universe down to this category, joined by " > " (what search shows).
    path: Mapped[str] = mapped_column(String(700), default="")
    is_brand_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    is_variant: Mapped[bool] = mapped_column(Boolean, default=False)
    # The category's properties as the marketplace sends them (read for mapped categories only).
    properties: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CategoryMapping(Base):
    """A seller category → a level-3 Cdiscount category, with attribute and value mappings."""

    __tablename__ = "category_mappings"
    __table_args__ = (UniqueConstraint("connection_id", "seller_category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    seller_category: Mapped[str] = mapped_column(String(200))
    category_reference: Mapped[str] = mapped_column(String(12))
    # seller attribute name → property reference
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # property reference → {seller value → choice}
    values: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogSettings(Base):
    """Which way products flow for a connection, and which side wins per field."""

    __tablename__ = "catalog_settings"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    # "import" (Cdiscount → cdlink), "export" (cdlink → Cdiscount) or "both"
    direction: Mapped[str] = mapped_column(String(10), default="both")
    # field → "cdlink" | "cdiscount"
    owners: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogPackage(Base):
    """One product package, recorded before it is sent (``package_id`` once the marketplace
    answered); ``skus`` are the sheets it holds."""

    __tablename__ = "catalog_packages"
    __table_args__ = (Index("ix_catalog_packages_connection_state", "connection_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    package_id: Mapped[str | None] = mapped_column(String(80), default=None)
    # "recorded" (not sent yet, or the answer was lost), "sent", "complete", "abandoned",
    # "over_quota" (answered 429: it bounds the next packages for a day)
    state: Mapped[str] = mapped_column(String(12))
    skus: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class ProductPublication(Base):
    """Where one product's sheet stands on one connection."""

    __tablename__ = "product_publications"
    __table_args__ = (
        UniqueConstraint("connection_id", "product_id"),
        Index("ix_product_publications_connection_status", "connection_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # "draft", "needs_fixing", "queued", "sent", "validated", "manual_check", "integrated",
    # "refused"
    status: Mapped[str] = mapped_column(String(16))
    # The problems the validator found: [{field, rule, message}]
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The marketplace's reasons for a refusal: [{code, field, message}]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The hash of the sheet last sent (a changed sheet is sent again).
    sent_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    package: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_packages.id", ondelete="SET NULL"), default=None
    )
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Since when the sheet waits for Cdiscount's manual check.
    manual_check_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Not before (a quota refusal waits for a later hour).
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    live_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The offer is recorded (``offer_sent_at``) before its package is sent and confirmed
    # (``offer_confirmed_at``) once the marketplace took it: recorded and not confirmed is sent
    # again by the next run (a crash between the two).
    offer_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    offer_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The sheet fields as Cdiscount holds them (read from the referential or last sent):
    # {title, description, pictures, attributes}. A field the connection gives to Cdiscount is
    # sent with this value, never with cdlink's.
    marketplace_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    marketplace_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProductReport(Base):
    """One integration report read for a product (the report history of the product page)."""

    __tablename__ = "product_reports"
    __table_args__ = (Index("ix_product_reports_connection_sku", "connection_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(50))
    package_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
