"""The ``webhooks`` stream: POSTs the due deliveries, signed, and records each attempt.

Woken by every event recorded (``cdlink.hub.webhooks.events.emit``) and every 30 seconds for the
retries, a run claims the due deliveries of its connection (and those of no connection, such as
test events), checks each target's address again (a name may resolve elsewhere since it was
saved), POSTs the event with the Standard Webhooks headers and commits each outcome as soon as it
is known. A delivery is sent at least once and always with the same ``webhook-id``, so receivers
deduplicate on it. It never runs inside a web request.
"""

from __future__ import annotations

import time

import httpx

from cdlink.core.errors import ConfigurationError
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import deliveries, signing
from cdlink.hub.webhooks.addresses import WebhookAddressError, check_target
from cdlink.hub.webhooks.events import STREAM, wake
from cdlink.sync.engine.streams import Stream, StreamContext

TIMEOUT_SECONDS = 10.0


def post(
    client: httpx.Client, parcel: deliveries.Parcel, secret: str, timestamp: int
) -> deliveries.Outcome:
    """One signed POST; never raises for the receiver's failures (they are the outcome)."""
    headers = signing.headers(secret, parcel.message_id, timestamp, parcel.body)
    started = time.perf_counter()
    try:
        response = client.post(parcel.url, content=parcel.body, headers=headers)
        status: int | None = response.status_code
        excerpt = response.text[: deliveries.EXCERPT]
    except httpx.HTTPError as problem:
        status, excerpt = None, f"no answer: {type(problem).__name__}: {problem}"
    duration = int((time.perf_counter() - started) * 1000)
    return deliveries.Outcome(status=status, duration_ms=duration, excerpt=excerpt)


class WebhookDeliveries(Stream):
    """Delivers the due webhook deliveries; see the module docstring."""

    name = STREAM
    default_interval = 30

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            claimed = deliveries.claim_due(session, context.connection_id, context.clock.now())
        if not claimed:
            return
        box, settings = _runtime(context)
        sent = failed = 0
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            for delivery_id in claimed:
                context.check_stop()
                outcome = self._deliver(context, client, box, settings, delivery_id)
                sent, failed = sent + outcome.succeeded, failed + (not outcome.succeeded)
        with context.transaction() as session:
            if deliveries.any_due(session, context.connection_id, context.clock.now()):
                wake(session, context.connection_id, context.clock.now())
        context.made_progress()
        context.count(webhooks_delivered=sent, webhook_failures=failed)

    def _deliver(
        self,
        context: StreamContext,
        client: httpx.Client,
        box: SecretBox,
        settings: Settings,
        delivery_id: int,
    ) -> deliveries.Outcome:
        with context.database.reading() as session:
            parcel = deliveries.parcel(session, delivery_id)
        try:
            check_target(parcel.url, allow_private=settings.webhook_allow_private_hosts)
        except WebhookAddressError as refused:
            outcome = deliveries.Outcome(status=None, duration_ms=0, excerpt=f"refused: {refused}")
        else:
            secret = box.decrypt(parcel.secret_ciphertext)
            outcome = post(client, parcel, secret, int(context.clock.now().timestamp()))
        with context.transaction() as session:
            deliveries.record_attempt(session, delivery_id, outcome, context.clock.now())
        return outcome


def _runtime(context: StreamContext) -> tuple[SecretBox, Settings]:
    """The runtime's secret box and settings (carried by its marketplace clients)."""
    box = getattr(context.clients, "box", None)
    settings = getattr(context.clients, "settings", None)
    if not isinstance(box, SecretBox) or not isinstance(settings, Settings):
        raise ConfigurationError(
            "this runtime has no secret box to read the webhook secrets with",
            hint="Run streams with `cdlink serve`, `cdlink worker` or `cdlink sync run`.",
        )
    return box, settings
