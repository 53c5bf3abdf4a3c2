"""The demo shop's webhook: a subscription to an ERP that does not exist, paused, with the
deliveries that failed before it was paused, so the Webhooks page shows a log.

Nothing reaches outside the machine: the subscription is paused before any run of the
``webhooks`` stream (paused ones are never sent), and its attempts are written as the stream
would have recorded them for a host that does not resolve. Run at each start of ``cdlink demo``;
it does nothing once a webhook exists.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.hub.webhooks import deliveries, subscriptions
from cdlink.hub.webhooks.events import PAUSED, record
from cdlink.store.engine import Database
from cdlink.store.models import WebhookDelivery, WebhookSubscription

DEMO_URL = "https://erp.example.invalid/cdlink/hooks"
DEMO_EVENTS = ["order.created", "order.shipped", "stock.push_failed", "claim.opened"]


def seed_demo_webhooks(
    database: Database, clock: Clock, box: SecretBox, connection_id: int
) -> None:
    with database.session() as session:
        if session.scalars(select(WebhookSubscription.id)).first() is not None:
            return
        start = clock.now() - timedelta(hours=2)
        created = subscriptions.create(
            session,
            box,
            url=DEMO_URL,
            event_types=DEMO_EVENTS,
            description="ERP (demo: this address does not exist)",
            allow_private=True,  # form checked; the name is never resolved (paused below)
            now=start,
        )
        subscription = created.subscription
        events: list[tuple[str, dict[str, Any]]] = [
            ("webhook.test", {"message": "A test event from cdlink.", "webhook": subscription.id}),
            ("order.created", {"marketplace_order_id": "2612061015ABCD", "status": "Accepted"}),
        ]
        for offset, (event_type, data) in enumerate(events):
            when = start + timedelta(minutes=offset)
            record(session, event_type, data, connection_id, [subscription.id], when)
        session.flush()
        refused = f"refused: the host {DEMO_URL.split('/')[2]!r} does not resolve"
        for delivery in session.scalars(select(WebhookDelivery)):
            moment = delivery.created_at
            for attempt in range(3):
                outcome = deliveries.Outcome(status=None, duration_ms=0, excerpt=refused)
                deliveries.record_attempt(session, delivery.id, outcome, moment)
                moment += deliveries.backoff(attempt + 1)
        subscription.state, subscription.paused_at = PAUSED, clock.now()
        subscription.paused_reason = "paused for the demo: the receiver does not exist"
