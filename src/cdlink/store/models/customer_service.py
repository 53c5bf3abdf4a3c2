"""Customer service: discussions and claims, their messages, the seller's after-sales actions,
and the returns of fulfilment orders.

A discussion names its order by the marketplace's id (``marketplace_order_id``): it is linked to
cdlink's own order (and so to its products) by a join on (connection, marketplace order id), so
a discussion imported before its order finds it as soon as the order arrives, with no call.

``discussion_messages`` holds each message once (unique per discussion and marketplace id): the
last guard against a doubled message behind the stream's bindings.

``customer_service_actions`` records what the seller asked (reply, close, mark read, refund,
gesture) *before* it is sent: the customer service exporter sends it and writes the outcome back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdlink.store.base import Base
from cdlink.store.types import Amount, UtcDateTime


class Discussion(Base):
    """A discussion (or claim) of one connection, as last imported from the marketplace."""

    __tablename__ = "discussions"
    __table_args__ = (
        UniqueConstraint("connection_id", "marketplace_discussion_id"),
        Index("ix_discussions_order", "connection_id", "marketplace_order_id"),
        Index("ix_discussions_open_updated", "is_open", "marketplace_updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    marketplace_discussion_id: Mapped[str] = mapped_column(String(64))
    marketplace_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # Discussion → Claim → Level_1 (Cdiscount's customer care took over)
    graduation: Mapped[str | None] = mapped_column(String(40), default=None)
    typology_code: Mapped[str | None] = mapped_column(String(80), default=None)
    sub_typology_code: Mapped[str | None] = mapped_column(String(80), default=None)
    # ToTreat | Treated
    process_status: Mapped[str | None] = mapped_column(String(40), default=None)
    customer_id: Mapped[str | None] = mapped_column(String(120), default=None)
    # The user types a reply may go to (Customer, GrcOperator once a claim).
    eligible_receivers: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    marketplace_updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_seller_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # When the seller marked it read in cdlink (a newer customer message makes it unread again).
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    assigned_to: Mapped[str | None] = mapped_column(String(254), default=None)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    messages: Mapped[list[DiscussionMessage]] = relationship(
        back_populates="discussion",
        cascade="all, delete-orphan",
        order_by="(DiscussionMessage.sent_at, DiscussionMessage.id)",
    )


class DiscussionMessage(Base):
    """One message of a discussion, imported once."""

    __tablename__ = "discussion_messages"
    __table_args__ = (UniqueConstraint("discussion_id", "marketplace_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"))
    marketplace_message_id: Mapped[str] = mapped_column(String(64))
    # Customer | Seller | GrcOperator
    sender_type: Mapped[str | None] = mapped_column(String(40), default=None)
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"id": ..., "file_name": ..., "content_type": ..., "size": ...}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())

    discussion: Mapped[Discussion] = relationship(back_populates="messages")


class CustomerServiceAction(Base):
    """What the seller asked (reply, close, mark_read, refund, gesture), recorded before it is
    sent, with its outcome."""

    __tablename__ = "customer_service_actions"
    __table_args__ = (
        Index("ix_customer_service_actions_discussion", "discussion_id"),
        Index("ix_customer_service_actions_order", "order_id"),
        # The API's refunds and gestures by their last change (updated_since, sort=updated_at).
        Index("ix_customer_service_actions_updated", "kind", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    discussion_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussions.id", ondelete="CASCADE"), default=None
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), default=None
    )
    # reply, close, mark_read, refund, gesture
    kind: Mapped[str] = mapped_column(String(20))
    # reply: body, attachments (name, content type, base64 content); refund/gesture: reason...
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amount: Mapped[Decimal | None] = mapped_column(Amount(), default=None)
    # pending → done | failed
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    # The marketplace's id of what was created (message, gesture request).
    marketplace_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set before each sending attempt: a second attempt first checks whether the first arrived.
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    requested_by: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # The last change in cdlink (recorded, attempted, finished): the API's updated_since.
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderReturn(Base):
    """A return of an Octopia fulfilment order (there is no API for self-shipped orders)."""

    __tablename__ = "order_returns"
    __table_args__ = (
        UniqueConstraint("connection_id", "marketplace_return_id"),
        Index("ix_order_returns_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    marketplace_return_id: Mapped[str] = mapped_column(String(64))
    marketplace_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(40))
    # Customer | Carrier
    type: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # [{"seller_product_id": ..., "quantity": ...}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    marketplace_updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When cdlink last stored a change of it (the API's updated_since).
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
