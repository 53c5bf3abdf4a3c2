"""Webhook subscriptions: created with a signing secret shown once, edited, paused, deleted.

The secret is encrypted by the secret box before it is stored and is never returned again; a
subscription read back says only its URL, event types and state. A URL is checked
(``addresses.check_target``) whenever it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.secret_box import SecretBox
from cdlink.core.translatable import translatable
from cdlink.hub.webhooks import signing
from cdlink.hub.webhooks.addresses import check_target
from cdlink.hub.webhooks.events import (
    ACTIVE,
    EVENT_TYPES,
    PAUSED,
    PENDING,
    TEST_EVENT,
    delivering_connection,
    record,
    wake,
)
from cdlink.store.models import WebhookDelivery, WebhookSubscription

MAX_SUBSCRIPTIONS = 50


class UnknownWebhookError(CdlinkError):
    """There is no such webhook subscription or delivery (answered 404)."""

    default_hint = translatable(
        "List the webhooks (GET /api/v1/webhooks) and use one of their ids."
    )


class WebhookError(CdlinkError):
    """A webhook subscription cannot be saved as given (answered 422, nothing changes)."""

    default_hint = translatable(
        "Give an http(s) URL and at least one event type from the list in docs/webhooks.md."
    )


@dataclass(frozen=True)
class Created:
    """A new subscription and its signing secret (shown this once only)."""

    subscription: WebhookSubscription
    secret: str


def check_event_types(event_types: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    if not chosen:
        raise WebhookError("choose at least one event type")
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise WebhookError(f"unknown event type {unknown[0]!r}")
    return sorted(chosen)


def subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    found = session.get(WebhookSubscription, subscription_id)
    if found is None:
        raise UnknownWebhookError(f"there is no webhook number {subscription_id}")
    return found


def create(
    session: Session,
    box: SecretBox,
    *,
    url: str,
    event_types: list[str],
    description: str,
    allow_private: bool,
    now: datetime,
) -> Created:
    """A new active subscription; its secret is returned here and never again."""
    if len(subscriptions(session)) >= MAX_SUBSCRIPTIONS:
        raise WebhookError(f"at most {MAX_SUBSCRIPTIONS} webhooks")
    chosen = check_event_types(event_types)
    check_target(url.strip(), allow_private=allow_private)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        url=url.strip(),
        description=description.strip()[:200],
        event_types=chosen,
        secret_ciphertext=box.encrypt(secret),
        state=ACTIVE,
        created_at=now,
        updated_at=now,
    )
    session.add(subscription)
    session.flush()
    return Created(subscription, secret)


def update(
    session: Session,
    subscription_id: int,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    state: str | None = None,
    allow_private: bool,
    now: datetime,
) -> WebhookSubscription:
    """Change what is given; resuming (``state="active"``) forgets the failures and sends the
    deliveries held meanwhile at once."""
    subscription = get_subscription(session, subscription_id)
    if url is not None:
        check_target(url.strip(), allow_private=allow_private)
        subscription.url = url.strip()
    if event_types is not None:
        subscription.event_types = check_event_types(event_types)
    if description is not None:
        subscription.description = description.strip()[:200]
    if state is not None:
        resumed = state == ACTIVE and subscription.state == PAUSED
        set_state(subscription, state, now)
        if resumed:
            _resume_deliveries(session, subscription.id, now)
    subscription.updated_at = now
    session.flush()
    return subscription


def _resume_deliveries(session: Session, subscription_id: int, now: datetime) -> None:
    """The deliveries held while paused become due now, and their streams are asked to run."""
    pending = session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.state == PENDING
        )
    ).all()
    for delivery in pending:
        delivery.next_attempt_at = min(delivery.next_attempt_at, now)
    for connection_id in {delivery.connection_id for delivery in pending}:
        wake(session, connection_id, now)


def set_state(subscription: WebhookSubscription, state: str, now: datetime) -> None:
    if state not in {ACTIVE, PAUSED}:
        raise WebhookError(f"the state must be {ACTIVE} or {PAUSED}")
    if state == subscription.state:
        return
    subscription.state = state
    if state == PAUSED:
        subscription.paused_at, subscription.paused_reason = now, "paused by a person"
    else:
        subscription.paused_at = subscription.paused_reason = subscription.failing_since = None


def delete(session: Session, subscription_id: int) -> None:
    """Delete a subscription with its deliveries and their log."""
    session.delete(get_subscription(session, subscription_id))
    session.flush()


def secret_of(subscription: WebhookSubscription, box: SecretBox) -> str:
    """The signing secret, decrypted for the sender only."""
    return box.decrypt(subscription.secret_ciphertext)


@dataclass(frozen=True)
class RecordedTest:
    """A test event recorded: its delivery, and whether a stream will send it (``queued``) or
    the caller must (no connection is active)."""

    event_id: int
    delivery_id: int
    queued: bool


def send_test(session: Session, subscription_id: int, now: datetime) -> RecordedTest:
    """Record a ``webhook.test`` event for this subscription only."""
    subscription = get_subscription(session, subscription_id)
    event = record(
        session,
        TEST_EVENT,
        {"message": "A test event from cdlink.", "webhook": subscription.id},
        None,
        [subscription.id],
        now,
    )
    delivery_id = session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.event_id == event.id)
    ).one()
    return RecordedTest(event.id, delivery_id, delivering_connection(session, None) is not None)
