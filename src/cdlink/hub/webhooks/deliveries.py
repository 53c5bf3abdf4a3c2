"""Deliveries: which are due, what each attempt did, the retry schedule, the pause, the replay.

A delivery is tried as soon as its event is recorded, then after each failure with a doubling
wait (``backoff``: 30 s, 1 min, 2 min… capped at 6 h) until 3 days after its event; then it is
``failed``. Every attempt is logged with its status, duration and the start of the answer. A
subscription whose every attempt failed for ``PAUSE_AFTER`` (from its first failure after a
success) is paused, and a notification says so; resuming it forgets the failures. A person's
replay gives a delivery one more attempt now, whatever its state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from cdlink.hub.orders.notifications import notify
from cdlink.hub.webhooks.events import ACTIVE, FAILED, PAUSED, PENDING, SUCCEEDED, wake
from cdlink.hub.webhooks.subscriptions import UnknownWebhookError, get_subscription
from cdlink.store.models import (
    Connection,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
PAUSE_AFTER = timedelta(days=3)
CLAIM_FOR = timedelta(minutes=5)
EXCERPT = 500
NOTIFICATION_KIND = "webhook_paused"


@dataclass(frozen=True)
class Outcome:
    """What one POST did: ``status`` None when no answer came (refused, timeout)."""

    status: int | None
    duration_ms: int
    excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling from 30 s, at most 6 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(FIRST_WAIT * (1 << exponent), LONGEST_WAIT)


def claim_due(session: Session, connection_id: int, now: datetime, limit: int = 100) -> list[int]:
    """Claim the due deliveries of the connection (and of no connection) of active webhooks."""
    query = (
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(_claimable(now), _delivered_by(connection_id))
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    claimed = list(session.scalars(query))
    for delivery in claimed:
        delivery.claimed_until = now + CLAIM_FOR
    return [delivery.id for delivery in claimed]


def claim(session: Session, delivery_id: int, now: datetime) -> bool:
    """Claim one due delivery of an active webhook (a direct send); False if not claimable."""
    query = (
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id == delivery_id, _claimable(now))
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    delivery = session.scalars(query).first()
    if delivery is None:
        return False
    delivery.claimed_until = now + CLAIM_FOR
    return True


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookSubscription.state == ACTIVE,
        WebhookDelivery.state == PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
    )


def release(session: Session, delivery_ids: list[int]) -> None:
    """Give back claimed deliveries that were not sent (the shutdown): the next run takes them."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.id.in_(delivery_ids), WebhookDelivery.state == PENDING
    )
    for delivery in session.scalars(query):
        delivery.claimed_until = None


def _delivered_by(connection_id: int) -> ColumnElement[bool]:
    """Deliveries this connection's stream sends: its own, and those of no connection or of a
    paused connection (whose streams do not run), which any active connection may take."""
    paused = select(Connection.id).where(Connection.state != "active")
    return or_(
        WebhookDelivery.connection_id == connection_id,
        WebhookDelivery.connection_id.is_(None),
        WebhookDelivery.connection_id.in_(paused),
    )


def any_due(session: Session, connection_id: int, now: datetime) -> bool:
    """Whether deliveries are left for the next run (more than one run's batch)."""
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.state == PENDING,
        WebhookDelivery.next_attempt_at <= now,
        _delivered_by(connection_id),
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
    )
    return session.scalars(query.limit(1)).first() is not None


@dataclass(frozen=True)
class Parcel:
    """What the sender needs for one delivery."""

    delivery_id: int
    url: str
    secret_ciphertext: str
    message_id: str
    body: bytes


def parcels(session: Session, delivery_ids: list[int]) -> list[Parcel]:
    """The parcels of ``delivery_ids`` (one query), in their order; deleted ones left out."""
    query = (
        select(WebhookDelivery.id, WebhookSubscription, WebhookEvent)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
    )
    found = {
        delivery_id: Parcel(
            delivery_id,
            subscription.url,
            subscription.secret_ciphertext,
            event.message_id,
            body(event),
        )
        for delivery_id, subscription, event in session.execute(query).all()
    }
    return [found[delivery_id] for delivery_id in delivery_ids if delivery_id in found]


def load_for_recording(session: Session, delivery_ids: list[int]) -> None:
    """Read the deliveries and their subscriptions in two queries before recording attempts."""
    rows = list(
        session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids)))
    )
    subscription_ids = {row.subscription_id for row in rows}
    if subscription_ids:
        session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.id.in_(subscription_ids))
        ).all()


def body(event: WebhookEvent) -> bytes:
    """The JSON body of an event: the same bytes at every attempt."""
    document = {
        "id": event.message_id,
        "type": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "connection_id": event.connection_id,
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


def record_attempt(
    session: Session, delivery_id: int, outcome: Outcome, now: datetime
) -> WebhookDelivery | None:
    """Log the attempt; then succeeded, retried later or failed (paused if failing for days).

    None when the subscription was deleted meanwhile (its deliveries went with it).
    """
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    subscription = session.get_one(WebhookSubscription, delivery.subscription_id)
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status=outcome.status,
            duration_ms=outcome.duration_ms,
            excerpt=outcome.excerpt[:EXCERPT],
            succeeded=outcome.succeeded,
            manual=delivery.replayed_at is not None,
        )
    )
    delivery.attempts += 1
    delivery.claimed_until, delivery.replayed_at = None, None
    delivery.last_status = outcome.status
    if outcome.succeeded:
        delivery.state, delivery.finished_at, delivery.last_error = SUCCEEDED, now, None
        subscription.failing_since = None
        return delivery
    delivery.last_error = outcome.excerpt[:EXCERPT]
    retry_at = now + backoff(delivery.attempts)
    if retry_at > delivery.expires_at:
        delivery.state, delivery.finished_at = FAILED, now
    else:
        delivery.next_attempt_at = retry_at
    if subscription.failing_since is None:
        subscription.failing_since = now
    elif now - subscription.failing_since >= PAUSE_AFTER and subscription.state == ACTIVE:
        pause_for_failures(session, subscription, now)
    return delivery


def pause_for_failures(session: Session, subscription: WebhookSubscription, now: datetime) -> None:
    days = (now - (subscription.failing_since or now)).days
    subscription.state, subscription.paused_at = PAUSED, now
    subscription.paused_reason = f"every delivery failed for {days} days"
    notify(
        session,
        connection_id=None,
        kind=NOTIFICATION_KIND,
        key=f"webhook:{subscription.id}:paused:{now.isoformat()}",
        title=f"Webhook {subscription.url} paused: every delivery failed for {days} days",
        link=f"/settings/webhooks/{subscription.id}",
        details={"webhook": subscription.id, "url": subscription.url, "days": days},
        now=now,
    )


def replay(
    session: Session, subscription_id: int, delivery_id: int, now: datetime
) -> WebhookDelivery:
    """One more attempt now (same ``webhook-id``), whatever the delivery's state."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise UnknownWebhookError(f"webhook {subscription_id} has no delivery number {delivery_id}")
    delivery.state, delivery.next_attempt_at, delivery.finished_at = PENDING, now, None
    delivery.expires_at = max(delivery.expires_at, now)
    delivery.replayed_at, delivery.claimed_until = now, None
    wake(session, delivery.connection_id, now)
    return delivery


@dataclass(frozen=True)
class DeliveryView:
    """A delivery as listed: its event and its attempts, newest first; ``paused`` when it
    waits for its paused webhook to be resumed (its next try is then not a time)."""

    delivery: WebhookDelivery
    event: WebhookEvent
    attempts: list[WebhookAttempt]
    paused: bool = False


def deliveries(
    session: Session, subscription_id: int, *, limit: int = 50, before: int | None = None
) -> list[DeliveryView]:
    """The subscription's deliveries, newest first (``before``: ids below it, for paging)."""
    subscription = get_subscription(session, subscription_id)
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = session.execute(query).all()
    ids = [delivery.id for delivery, _ in rows]
    attempts: dict[int, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in ids}
    if ids:
        found = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids))
        for attempt in session.scalars(found.order_by(WebhookAttempt.id.desc())):
            attempts[attempt.delivery_id].append(attempt)
    paused = subscription.state == PAUSED
    return [
        DeliveryView(delivery, event, attempts[delivery.id], paused and delivery.state == PENDING)
        for delivery, event in rows
    ]
