"""The ``cancellation_reasons`` stream: the marketplace's reason codes, cached per order status.

Once a day, or at once when a person asks ("Refresh" on the order settings, the API, or
``cdlink sync run -s cancellation_reasons``), it reads ``GET /cancellation-reasons`` for each
status a seller may cancel from and replaces the connection's cache in one transaction
(``cdlink.hub.orders.cancellation_reasons``). The cancel forms offer those reasons and a
cancellation is checked against them before it is recorded.
"""

from __future__ import annotations

from cdlink.hub.orders.cancellation_reasons import CANCELLABLE_STATUSES, Reason, replace_reasons
from cdlink.sync.engine.streams import Stream, StreamContext

STREAM = "cancellation_reasons"


class CancellationReasonsFetcher(Stream):
    """Fetches and caches the reasons; see the module docstring."""

    name = STREAM
    default_interval = 86400

    def run(self, context: StreamContext) -> None:
        orders = context.client().orders
        by_status = {
            status: [
                Reason(item.code, item.label)
                for item in orders.cancellation_reasons(status)
                if item.code
            ]
            for status in CANCELLABLE_STATUSES
        }
        with context.transaction() as session:
            kept = replace_reasons(session, context.connection_id, by_status, context.clock.now())
        context.count(reasons=kept)
