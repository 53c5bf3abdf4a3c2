"""Pricing tables: guards per SKU, price lists per connection, prices per (connection, SKU),
the price history behind the 30-day reference price, and promotions.

``product_pricing`` holds what a SKU's price needs everywhere: its VAT rate, eco-tax, and the
floor and ceiling no price may cross without a user's confirmation. ``price_lists`` says how a
connection prices its SKUs from their base price (markup, rounding, the largest change allowed
in one push, whether prices are synced). ``offer_prices`` is one row per (connection, SKU): the
override, the price wanted, a held price with its reason, what was sent and when, the package's
outcome, what was confirmed and what Cdiscount shows (read back), and the competition.
``price_history`` keeps every price confirmed on Cdiscount (the Omnibus reference price is the
lowest over 30 days). ``promotions`` and ``promotion_items`` are sales and flash sales, with
their state per SKU on Cdiscount. ``offer_package_files`` holds the zips of XML offer packages
that cdlink serves to the marketplace under an unguessable, expiring address.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import Amount, UtcDateTime


class ProductPricing(Base):
    """A SKU's taxes and price guards (one row per product, created on first edit)."""

    __tablename__ = "product_pricing"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    vat_percent: Mapped[Decimal] = mapped_column(Amount(5, 2), default=Decimal(20))
    ecotax: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    floor: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    ceiling: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PriceList(Base):
    """How one connection prices its SKUs, and its guard on the change per push."""

    __tablename__ = "price_lists"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    sync_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # "percent" (base * (1 + markup / 100)) or "fixed" (base + markup)
    markup_kind: Mapped[str] = mapped_column(String(10), default="percent")
    markup: Mapped[Decimal] = mapped_column(Amount(12, 2), default=Decimal(0))
    # "none", "0.99", "0.95", "0.90", "0.49" or "1" (whole euros)
    rounding: Mapped[str] = mapped_column(String(10), default="none")
    max_change_percent: Mapped[Decimal | None] = mapped_column(Amount(6, 2), default=None)
    # How promotions are sent: "xml" (offer integration packages, Cdiscount's way) or "json"
    promotions_channel: Mapped[str] = mapped_column(String(8), default="xml")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SkuPrice(Base):
    """The price of one SKU on one connection, from wanted to read back."""

    __tablename__ = "offer_prices"
    __table_args__ = (Index("ix_offer_prices_updated", "connection_id", "updated_at"),)

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    sku: Mapped[str] = mapped_column(String(50), primary_key=True)
    override: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    strike_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    # The price cdlink wants on Cdiscount (queued when it changes), and a held one.
    price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    held_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    held_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    held_limit: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The last push: what, when, how it went; the last price Cdiscount confirmed.
    sent_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    confirmed_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Read back by the offers stream.
    marketplace_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    displayed_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    best_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    holds_best_offer: Mapped[bool | None] = mapped_column(Boolean, default=None)
    competitors: Mapped[int | None] = mapped_column(Integer, default=None)
    # Any change of the row (wanted, held, sent, confirmed, read back): the API's updated_since.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PriceHistory(Base):
    """A price in effect on Cdiscount from ``started_at`` (confirmed or read back)."""

    __tablename__ = "price_history"
    __table_args__ = (Index("ix_price_history_sku", "connection_id", "sku", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(50))
    price: Mapped[Decimal] = mapped_column(Amount(12, 2))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Promotion(Base):
    """A sale or flash sale of some SKUs of one connection, between two moments."""

    __tablename__ = "promotions"
    __table_args__ = (Index("ix_promotions_connection_state", "connection_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), default="")
    # "flash_sale" or "sale"
    kind: Mapped[str] = mapped_column(String(12))
    discount_percent: Mapped[Decimal] = mapped_column(Amount(5, 2))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # "planned", "running", "ended", "stopped", "refused"
    state: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # A change of it or of one of its items as the API shows them (the API's updated_since).
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PromotionItem(Base):
    """One SKU of a promotion, and where it stands on Cdiscount."""

    __tablename__ = "promotion_items"

    promotion_id: Mapped[int] = mapped_column(
        ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True
    )
    sku: Mapped[str] = mapped_column(String(50), primary_key=True)
    # The 30-day lowest price at creation (Omnibus), the reduction applies to it for a sale.
    reference_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    # "waiting", "sent", "live", "ended", "withdrawn", "refused", "unknown" (the package's
    # result never came), "stop_refused" (Cdiscount kept it when it was stopped)
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    package_id: Mapped[str | None] = mapped_column(String(80), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    displayed_price: Mapped[Decimal | None] = mapped_column(Amount(12, 2), default=None)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OfferPackageFile(Base):
    """The zip of an XML offer package, served to the marketplace until it expires.

    Only the SHA-256 of the address's token is kept: the token itself is in the URL given to
    Cdiscount, never in the database.
    """

    __tablename__ = "offer_package_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
