"""Helpers of the webhook tests: a subscription made through the hub, the stream run once, the
deliveries and attempts as stored."""

from __future__ import annotations

from sqlalchemy import select

from cdlink.core.secret_box import SecretBox
from cdlink.hub.webhooks import subscriptions
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import WebhookAttempt, WebhookDelivery


def subscribe(shop: JobEnvironment, url: str, *event_types: str) -> tuple[int, str]:
    """A new subscription (private hosts allowed); returns its id and its secret."""
    with shop.database.session() as session:
        created = subscriptions.create(
            session,
            SecretBox.from_settings(shop.settings),
            url=url,
            event_types=list(event_types),
            description="ERP",
            allow_private=True,
            now=shop.clock.now(),
        )
        return created.subscription.id, created.secret


def deliver(shop: JobEnvironment, connection_id: int = 1) -> dict[str, int]:
    """One run of the ``webhooks`` stream; its counts."""
    report = shop.runner().run(connection_id, "webhooks")
    assert report.outcome == "succeeded", report.message
    return dict(report.counts)


def delivery_states(shop: JobEnvironment) -> list[tuple[str, int]]:
    with shop.database.reading() as session:
        rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [(row.state, row.attempts) for row in rows]


def attempts(shop: JobEnvironment) -> list[WebhookAttempt]:
    with shop.database.reading() as session:
        found = session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id))
        rows = list(found)
        session.expunge_all()
        return rows
