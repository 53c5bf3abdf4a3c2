"""Carriers a shipment may name: the marketplace's referential, cached per connection.

The ``carriers`` stream (``cdlink.sync.orders.carriers``) reads ``GET /carriers`` once a day, or
at once when the cache is empty and a ship form or the API asks for it, and replaces the cache in
one transaction. Pages and the API read only this cache: no web request calls the marketplace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.store.models import CachedCarrier

#: The stream that fills the cache.
STREAM = "carriers"


@dataclass(frozen=True)
class Carrier:
    label: str
    code: str | None


def carrier_labels(session: Session, connection_id: int) -> list[str] | None:
    """The connection's carrier labels, sorted; None while they were never read."""
    query = (
        select(CachedCarrier.label)
        .where(CachedCarrier.connection_id == connection_id)
        .order_by(CachedCarrier.label)
    )
    labels = list(session.scalars(query))
    return labels or None


def replace_carriers(
    session: Session, connection_id: int, carriers: Iterable[Carrier], now: datetime
) -> int:
    """Replace the connection's cached carriers; returns how many labels are kept.

    A label listed twice (codes are not unique, labels may repeat) is kept once, with the first
    code seen.
    """
    session.execute(delete(CachedCarrier).where(CachedCarrier.connection_id == connection_id))
    seen: set[str] = set()
    for carrier in carriers:
        if not carrier.label or carrier.label in seen:
            continue
        seen.add(carrier.label)
        session.add(
            CachedCarrier(
                connection_id=connection_id, label=carrier.label, code=carrier.code, fetched_at=now
            )
        )
    session.flush()
    return len(seen)
