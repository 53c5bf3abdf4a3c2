"""The event outbox: ``emit`` writes an event in the transaction of the change it reports.

``emit`` adds one ``webhook_events`` row and one pending ``webhook_deliveries`` row for every
active subscription to the event's type, and asks for a run of the ``webhooks`` stream, all in
the caller's session: if the change rolls back, so does its event, and an event committed is
never lost before it is delivered. It costs one small query when no one subscribed.

``notification_listener`` is one of ``notifications.LISTENERS``: deadline notifications become
``deadline.approaching``, performance ones ``indicator.threshold_near``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.store.models import (
    Connection,
    Notification,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from cdlink.store.schedules import request_run

#: The stream that delivers the events (``cdlink.sync.webhooks.stream``).
STREAM = "webhooks"
#: How long a delivery is retried after its event.
RETRY_FOR = timedelta(days=3)
ACTIVE, PAUSED = "active", "paused"
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
TEST_EVENT = "webhook.test"

#: Every event type a subscription may ask for, with what it reports.
EVENT_TYPES: dict[str, str] = {
    "order.created": translatable("A new order was imported from Cdiscount."),
    "order.status_changed": translatable("An order's status changed."),
    "order.shipped": translatable("An order was shipped (tracking sent to Cdiscount)."),
    "stock.pushed": translatable("Cdiscount confirmed a stock quantity."),
    "stock.push_failed": translatable("Cdiscount refused a stock quantity."),
    "product.integrated": translatable("Cdiscount integrated a product sheet."),
    "product.refused": translatable("Cdiscount refused a product sheet."),
    "price.held": translatable("A price was held back by a pricing rule."),
    "promotion.started": translatable("A promotion started."),
    "promotion.ended": translatable("A promotion ended."),
    "discussion.message_received": translatable("A customer or Cdiscount wrote in a discussion."),
    "claim.opened": translatable("A customer opened a claim."),
    "refund.completed": translatable("A refund was completed."),
    "payout.paid": translatable("Cdiscount paid a payout."),
    "deadline.approaching": translatable("An acceptance or shipping deadline is near."),
    "indicator.threshold_near": translatable(
        "A performance indicator is near or beyond its threshold."
    ),
    "connection.reauth_required": translatable("Cdiscount refused a connection's credentials."),
}

_NOTIFICATION_EVENTS = {
    "acceptance_deadline": "deadline.approaching",
    "shipping_deadline": "deadline.approaching",
    "performance": "indicator.threshold_near",
}


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    connection_id: int | None,
    now: datetime,
) -> int:
    """Record an event for its subscribers; returns how many deliveries it made (0: no one)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    subscribers = [
        subscription_id
        for subscription_id, event_types in _active(session)
        if event_type in event_types
    ]
    if not subscribers:
        return 0
    record(session, event_type, data, connection_id, subscribers, now)
    return len(subscribers)


def _active(session: Session) -> list[tuple[int, list[str]]]:
    """The active subscriptions, read once per session (a push of 10,000 SKUs asks each time)."""
    cached: list[tuple[int, list[str]]] | None = session.info.get("cdlink.webhooks")
    if cached is None:
        query = select(WebhookSubscription.id, WebhookSubscription.event_types).where(
            WebhookSubscription.state == ACTIVE
        )
        cached = [(row[0], list(row[1])) for row in session.execute(query)]
        session.info["cdlink.webhooks"] = cached
    return cached


def record(  # noqa: PLR0917  (one event's facts)
    session: Session,
    event_type: str,
    data: dict[str, Any],
    connection_id: int | None,
    subscription_ids: list[int],
    now: datetime,
) -> WebhookEvent:
    """The event row and one delivery per subscription, then a request to run the stream."""
    event = WebhookEvent(
        message_id=new_message_id(),
        type=event_type,
        connection_id=connection_id,
        data=data,
        created_at=now,
    )
    session.add(event)
    session.flush()
    for subscription_id in subscription_ids:
        session.add(
            WebhookDelivery(
                event_id=event.id,
                subscription_id=subscription_id,
                connection_id=connection_id,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
                expires_at=now + RETRY_FOR,
                created_at=now,
            )
        )
    wake(session, connection_id, now)
    return event


def wake(session: Session, connection_id: int | None, now: datetime) -> int | None:
    """Ask for a run of the stream that delivers the events of ``connection_id``; that
    stream's connection, or None when no connection is active (then no stream runs:
    ``cdlink.sync.webhooks.direct`` delivers a test event)."""
    deliverer = delivering_connection(session, connection_id)
    if deliverer is not None:
        request_run(session, deliverer, STREAM, now=now, trigger="event")
    return deliverer


def delivering_connection(session: Session, connection_id: int | None) -> int | None:
    """The connection whose stream delivers the events of ``connection_id``: itself when active,
    else (no connection, or a paused one, whose streams do not run) the first active one."""
    own = session.get(Connection, connection_id) if connection_id is not None else None
    if own is not None and own.state == "active":
        return own.id
    return session.scalar(
        select(Connection.id).where(Connection.state == "active").order_by(Connection.id)
    )


def notification_listener(session: Session, notification: Notification) -> None:
    """The ``notifications.LISTENERS`` hook: deadlines and performance alerts as events."""
    event_type = _NOTIFICATION_EVENTS.get(notification.kind)
    if event_type is None:
        return
    emit(
        session,
        event_type,
        {
            "kind": notification.kind,
            "title": notification.title,
            "link": notification.link,
            **(notification.details or {}),
        },
        connection_id=notification.connection_id,
        now=notification.created_at,
    )
