"""Prices in the stock pusher's offer packages: outbox keys, offer requests and outcomes.

A price to send is an outbox entry of the stock stream keyed ``price:<SKU>`` (its own key, so the
exporter's coalescing keeps the newest price of a SKU apart from the newest quantity, and an older
price never overwrites a newer one). The stock pusher turns each entry into an ``Update`` offer
request and merges the quantity and price requests of a SKU into one (``coalesce``): a package
carries a SKU's stock and price changes together, and price sync adds no call to a stock burst.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from cdlink.hub.catalog import publishing
from cdlink.hub.pricing.status import is_sendable, record_push
from cdlink.octopia.models import OfferRequest, offer_update

PRICE_PREFIX = "price:"


def price_key(sku: str) -> str:
    return f"{PRICE_PREFIX}{sku}"


def is_price_key(key: str) -> bool:
    return key.startswith(PRICE_PREFIX)


def sku_of(key: str) -> str:
    """The SKU an outbox key of the stock stream is about."""
    return key[len(PRICE_PREFIX) :] if is_price_key(key) else key


def _amount(payload: Mapping[str, Any], name: str) -> Decimal | None:
    value = payload.get(name)
    return None if value is None else Decimal(str(value))


def payload_price(payload: Mapping[str, Any]) -> Decimal:
    return Decimal(str(payload["price"]))


def price_request(sku: str, payload: Mapping[str, Any]) -> OfferRequest:
    """The ``Update`` request of a price: amount, full tax list, strike price above it."""
    return offer_update(
        sku,
        price=payload_price(payload),
        vat_percent=_amount(payload, "vat") or Decimal(20),
        ecotax=_amount(payload, "ecotax"),
        origin_price=_amount(payload, "strike_price"),
    )


def still_wanted(
    session: Session, connection_id: int, key: str, payload: Mapping[str, Any]
) -> bool:
    """Whether a queued price is still the SKU's wanted price (a held, replaced or unknown one
    never leaves, nor any price while the connection's catalog settings say Cdiscount owns it)."""
    if publishing.settings(session, connection_id).cdiscount_owns("price"):
        return False
    return is_sendable(session, connection_id, sku_of(key), payload_price(payload))


def record_price(
    session: Session,
    connection_id: int,
    key: str,
    payload: Mapping[str, Any],
    *,
    confirmed: bool,
    reason: str | None,
    now: datetime,
) -> None:
    record_push(
        session,
        connection_id,
        sku_of(key),
        payload_price(payload),
        confirmed=confirmed,
        reason=reason,
        now=now,
    )
