"""The ``webhooks`` stream: POSTs the due deliveries, signed, and records each attempt.

Woken by every event recorded (``cdlink.hub.webhooks.events.emit`` asks for a run, and the
embedded runtime starts it as soon as the event's transaction commits) and every 30 seconds for
the retries, a run claims the due deliveries of its connection (and those of no connection, such
as test events), checks each target's address again (a name may resolve elsewhere since it was
saved), POSTs the events (a few at once, ``sending.Sender``) with the Standard Webhooks headers
and commits their outcomes in small groups. It runs in the live lane: a delivery never waits
behind a history import. A delivery is sent at least once and always with the same
``webhook-id``, so receivers deduplicate on it. It never runs inside a web request.

At the shutdown no new POST starts: those in flight finish and are recorded, the claims of the
others are released (the next run sends them at once), and the run ends as stopped.
"""

from __future__ import annotations

from cdlink.core.errors import ConfigurationError
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import deliveries
from cdlink.hub.webhooks.events import STREAM, wake
from cdlink.sync.engine.streams import LIVE, Stream, StreamContext
from cdlink.sync.webhooks.sending import Sender


class WebhookDeliveries(Stream):
    """Delivers the due webhook deliveries; see the module docstring."""

    name = STREAM
    default_interval = 30
    lane = LIVE

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            claimed = deliveries.claim_due(session, context.connection_id, context.clock.now())
        if not claimed:
            return
        box, settings = _runtime(context)
        with context.database.reading() as session:
            parcels = deliveries.parcels(session, claimed)
        sender = Sender(box, settings, context.clock, context.stopping)
        sent = sender.send(parcels, lambda outcomes: self._record(context, outcomes))
        context.made_progress()
        context.count(webhooks_delivered=sent.succeeded, webhook_failures=sent.failed)
        with context.transaction() as session:
            if sent.unsent:  # the shutdown: free them for the next run, then stop
                deliveries.release(session, sent.unsent)
            elif deliveries.any_due(session, context.connection_id, context.clock.now()):
                wake(session, context.connection_id, context.clock.now())
        if sent.unsent:
            context.check_stop()

    @staticmethod
    def _record(context: StreamContext, outcomes: list[tuple[int, deliveries.Outcome]]) -> None:
        """Commit a group of outcomes in one short transaction."""
        with context.transaction() as session:
            deliveries.load_for_recording(session, [delivery_id for delivery_id, _ in outcomes])
            for delivery_id, outcome in outcomes:
                deliveries.record_attempt(session, delivery_id, outcome, context.clock.now())


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
