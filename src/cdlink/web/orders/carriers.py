"""The carriers a shipment may name, asked of the marketplace (``GET /carriers``) per connection.

The ship form and ``/api/v1/connections/{id}/carriers`` list them. The answer is kept an hour per
connection (the referential rarely changes). When the marketplace cannot be asked, ``labels``
returns None: the form then takes the carrier's label as typed, and the marketplace checks it
when the shipment is sent.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from fastapi import Request

from cdlink.core.errors import CdlinkError
from cdlink.store.models import Connection

log = logging.getLogger(__name__)
KEPT_FOR = timedelta(hours=1)


class CarriersUnavailableError(CdlinkError):
    """The marketplace could not be asked for its carriers."""

    default_hint = "Test the connection (Apps), then try again; a shipment may still name one."


class CarrierCache:
    """Carrier labels per connection, with the time they were read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._labels: dict[int, tuple[datetime, list[str]]] = {}

    def get(self, connection_id: int, now: datetime) -> list[str] | None:
        with self._lock:
            found = self._labels.get(connection_id)
        if found is None or now - found[0] > KEPT_FOR:
            return None
        return found[1]

    def put(self, connection_id: int, now: datetime, labels: list[str]) -> None:
        with self._lock:
            self._labels[connection_id] = (now, labels)


def labels(request: Request, connection_id: int) -> list[str] | None:
    """The connection's carrier labels, sorted; None when the marketplace cannot be asked."""
    state = request.app.state
    now = state.clock.now()
    cache: CarrierCache = state.carriers
    known = cache.get(connection_id, now)
    if known is not None:
        return known
    with state.database.reading() as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            return None
        session.expunge(connection)
    try:
        with state.marketplace_clients(connection) as client:
            found = sorted({carrier.label for carrier in client.carriers.list()})
    except (CdlinkError, OSError) as error:
        log.warning("carriers of connection %s: %s", connection_id, error)
        return None
    cache.put(connection_id, now, found)
    return found
