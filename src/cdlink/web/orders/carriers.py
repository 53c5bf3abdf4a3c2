"""The carriers a shipment may name, read from the cache the ``carriers`` stream keeps.

The ship form and ``/api/v1/connections/{id}/carriers`` list them. No request calls the
marketplace: when the connection's carriers were never read, the stream is asked to run now
(through the connection's budget and the sync log) and ``labels`` returns None; the form then
takes the carrier's label as typed (the marketplace checks it when the shipment is sent) and the
API answers 503 with a hint to try again in a moment.
"""

from __future__ import annotations

from fastapi import Request

from cdlink.core.errors import CdlinkError
from cdlink.hub.orders.carriers import STREAM, carrier_labels
from cdlink.store.models import Connection
from cdlink.sync.engine.schedules import request_run
from cdlink.web.runtime import wake


class CarriersUnavailableError(CdlinkError):
    """The connection's carriers have not been read from the marketplace yet."""

    default_hint = (
        "cdlink is reading them from Cdiscount now: try again in a few seconds. If they never "
        "come, test the connection (Apps); a shipment may still name its carrier."
    )


def labels(request: Request, connection_id: int) -> list[str] | None:
    """The connection's carrier labels, sorted; None while they were never read."""
    state = request.app.state
    with state.database.reading() as session:
        found = carrier_labels(session, connection_id)
        if found is not None or session.get(Connection, connection_id) is None:
            return found
    with state.database.session() as session:  # never read yet: ask the stream, once
        request_run(session, connection_id, STREAM, now=state.clock.now(), trigger="event")
    wake(request)
    return None
