"""The ``deadline_alerts`` stream: raises deadline notifications for a connection's open orders.

Every five minutes it runs ``cdlink.hub.orders.notifications.check_deadlines`` in one
transaction; it never calls the marketplace.
"""

from __future__ import annotations

from cdlink.hub.orders.notifications import check_deadlines
from cdlink.sync.engine.streams import Stream, StreamContext

STREAM = "deadline_alerts"


class DeadlineAlerts(Stream):
    """Raises the notifications due now; see the module docstring."""

    name = STREAM
    default_interval = 300

    def run(self, context: StreamContext) -> None:
        with context.transaction() as session:
            raised = check_deadlines(session, context.connection_id, context.clock.now())
        context.made_progress()
        context.count(notifications=raised)
