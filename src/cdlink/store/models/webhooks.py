"""Outgoing webhooks: who is told, what happened, and each attempt to tell them.

- ``webhook_subscriptions``: a receiver URL and the event types it wants; its signing secret is
  stored only encrypted by the secret box; ``state`` is ``active`` or ``paused`` (by a person,
  or by cdlink after days of failures);
- ``webhook_events``: the event outbox, one row per event, written in the transaction of the
  change it reports; ``message_id`` is the stable ``webhook-id`` receivers deduplicate on;
- ``webhook_deliveries``: one row per (event, subscription), unique, so an event is delivered
  to a subscription exactly once from the outbox's point of view (at least once on the wire);
- ``webhook_attempts``: every POST made, with its status, duration and an excerpt of the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class WebhookSubscription(Base):
    """A receiver and the event types it subscribed to."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # The event types, e.g. ["order.created", "order.shipped"].
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # Encrypted by the secret box; shown once at creation, never returned, logged or rendered.
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    # active | paused
    state: Mapped[str] = mapped_column(String(10), default="active")
    paused_reason: Mapped[str | None] = mapped_column(Text, default=None)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Since when every attempt failed (None after a success): the pause after days of failures.
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEvent(Base):
    """One event, written in the transaction of the change it reports."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The ``webhook-id`` header: stable across retries and replays ("msg_" + random).
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One event for one subscription: pending → succeeded | failed (after 3 days of retries)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    # The event's connection (None: the first connection's stream delivers it).
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), default=None
    )
    # pending | succeeded | failed
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # No retry after this (3 days after the event; a replay gives one more attempt).
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set by a person's replay: the next attempt is recorded as manual.
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class WebhookAttempt(Base):
    """One POST of a delivery: status (None when no answer came), duration, answer excerpt."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # The first 500 characters of the answer, or what went wrong (refused address, timeout).
    excerpt: Mapped[str] = mapped_column(Text, default="")
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # A person's replay rather than the schedule.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
