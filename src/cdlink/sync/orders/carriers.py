"""The ``carriers`` stream: the marketplace's carrier referential, cached per connection.

Once a day, or at once when a ship form or ``/api/v1/connections/{id}/carriers`` finds the cache
empty (or a person runs ``cdlink sync run -s carriers``), it reads ``GET /carriers`` through the
connection's budget and replaces the cache in one transaction (``cdlink.hub.orders.carriers``).
"""

from __future__ import annotations

from cdlink.hub.orders.carriers import STREAM, Carrier, replace_carriers
from cdlink.sync.engine.streams import Stream, StreamContext


class CarriersFetcher(Stream):
    """Fetches and caches the carriers; see the module docstring."""

    name = STREAM
    default_interval = 86400

    def run(self, context: StreamContext) -> None:
        carriers = [Carrier(item.label, item.code) for item in context.client().carriers.list()]
        with context.transaction() as session:
            kept = replace_carriers(session, context.connection_id, carriers, context.clock.now())
        context.made_progress()
        context.count(carriers=kept)
