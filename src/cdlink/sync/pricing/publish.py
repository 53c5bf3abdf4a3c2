"""The hub's ``PricePublisher``: a price to send becomes an outbox entry of the stock pusher."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cdlink.sync.engine import outbox
from cdlink.sync.pricing.offers import price_key
from cdlink.sync.stock.pusher import STREAM


def publish_price_to_outbox(
    session: Session, connection_id: int, sku: str, payload: dict[str, str | None], now: datetime
) -> None:
    """Queue the price and wake the stock pusher, which sends it with the SKU's stock."""
    outbox.add(
        session,
        connection_id=connection_id,
        stream=STREAM,
        key=price_key(sku),
        payload=dict(payload),
        now=now,
    )
