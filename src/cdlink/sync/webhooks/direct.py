"""A test event delivered at once, by the caller, when no stream can deliver it.

The ``webhooks`` stream runs as a stream of an active connection; with none (a fresh install,
every app paused) a test event would wait for ever. ``deliver`` then sends that one delivery
itself, exactly as the stream would: claimed first (so a stream starting meanwhile leaves it),
signed, its address checked, the attempt logged and retried later by the stream if it failed.
"""

from __future__ import annotations

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.webhooks import deliveries
from cdlink.store.engine import Database
from cdlink.sync.webhooks.sending import Sender


def deliver(
    database: Database, box: SecretBox, settings: Settings, clock: Clock, delivery_id: int
) -> deliveries.Outcome | None:
    """Send the delivery now; its outcome, or None if it was not due or is claimed already."""
    with database.session() as session:
        claimed = deliveries.claim(session, delivery_id, clock.now())
    if not claimed:
        return None
    with database.reading() as session:
        parcels = deliveries.parcels(session, [delivery_id])
    outcomes: list[deliveries.Outcome] = []

    def record(done: list[tuple[int, deliveries.Outcome]]) -> None:
        with database.session() as session:
            for done_id, outcome in done:
                deliveries.record_attempt(session, done_id, outcome, clock.now())
                outcomes.append(outcome)

    Sender(box, settings, clock).send(parcels, record)
    return outcomes[0] if outcomes else None
