"""What the sync layer tells the hub about prices: pushes, confirmations, what Cdiscount shows.

Per (connection, SKU) ``offer_prices`` keeps the price sent, when, the package's outcome, the last
confirmed price, the price read back from Cdiscount and the competition. Each price Cdiscount
confirms (or shows, when cdlink never sent one) goes into ``price_history``, which the 30-day
reference price is computed from.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from cdlink.hub.pricing.rules import REFERENCE_DAYS, reference_price
from cdlink.store.models import PriceHistory, SkuPrice

CONFIRMED, REFUSED = "confirmed", "refused"
#: Reading Cdiscount again with nothing new moves only ``read_at``: not a change to sync.
_UNSTAMPED = frozenset({"read_at", "updated_at"})


def stamp(row: SkuPrice, now: datetime) -> None:
    """Move the row's ``updated_at`` (the API's ``updated_since``) when it is new or one of its
    values changed in this transaction; call it after each write to a row."""
    state = inspect(row)
    changed = state.pending or state.transient or row.updated_at is None
    if not changed:
        changed = any(
            state.attrs[column.key].history.has_changes()
            for column in state.mapper.column_attrs
            if column.key not in _UNSTAMPED
        )
    if changed:
        row.updated_at = now


def _row(session: Session, connection_id: int, sku: str, now: datetime) -> SkuPrice:
    found = session.get(SkuPrice, (connection_id, sku))
    if found is None:
        found = SkuPrice(connection_id=connection_id, sku=sku, updated_at=now)
        session.add(found)
    return found


def is_sendable(session: Session, connection_id: int, sku: str, price: Decimal) -> bool:
    """Whether ``price`` is the SKU's wanted price (a held or replaced one is not)."""
    row = session.get(SkuPrice, (connection_id, sku))
    return row is not None and row.price == price


def record_push(
    session: Session,
    connection_id: int,
    sku: str,
    price: Decimal,
    *,
    confirmed: bool,
    reason: str | None,
    now: datetime,
) -> None:
    """One price push's outcome; a confirmed price enters the history."""
    row = _row(session, connection_id, sku, now)
    row.sent_price, row.sent_at = price, now
    row.outcome = CONFIRMED if confirmed else REFUSED
    row.reason = reason
    if confirmed:
        row.confirmed_price, row.confirmed_at = price, now
        add_history(session, connection_id, sku, price, now)
    stamp(row, now)


def add_history(
    session: Session, connection_id: int, sku: str, price: Decimal, at: datetime
) -> None:
    """``price`` takes effect at ``at`` (nothing is added when it is already in effect)."""
    last = session.scalar(
        select(PriceHistory.price)
        .where(PriceHistory.connection_id == connection_id, PriceHistory.sku == sku)
        .order_by(PriceHistory.started_at.desc(), PriceHistory.id.desc())
        .limit(1)
    )
    if last != price:
        session.add(PriceHistory(connection_id=connection_id, sku=sku, price=price, started_at=at))


def reference_price_of(
    session: Session, connection_id: int, sku: str, at: datetime
) -> Decimal | None:
    """The lowest price of the SKU on Cdiscount in the 30 days before ``at``."""
    start = at - timedelta(days=REFERENCE_DAYS)
    rows = session.execute(
        select(PriceHistory.started_at, PriceHistory.price)
        .where(PriceHistory.connection_id == connection_id, PriceHistory.sku == sku)
        .order_by(PriceHistory.started_at)
    ).all()
    history = [(moment, price) for moment, price in rows]
    found = reference_price(history, at)
    if found is None:
        row = session.get(SkuPrice, (connection_id, sku))
        if row is not None and (row.confirmed_at or start) <= at:
            return row.confirmed_price or row.price
    return found


def record_read_back(
    session: Session,
    connection_id: int,
    sku: str,
    *,
    price: Decimal | None,
    displayed: Decimal | None,
    now: datetime,
) -> SkuPrice:
    """What Cdiscount shows for the SKU (``integrationPrice``, ``facialPrice``)."""
    row = _row(session, connection_id, sku, now)
    row.marketplace_price, row.displayed_price, row.read_at = price, displayed, now
    if price is not None and row.confirmed_price is None and row.sent_price is None:
        add_history(session, connection_id, sku, price, now)
    stamp(row, now)
    return row


def record_competition(
    session: Session,
    connection_id: int,
    sku: str,
    *,
    best_price: Decimal | None,
    holds_best_offer: bool | None,
    competitors: int | None,
    now: datetime,
) -> None:
    row = _row(session, connection_id, sku, now)
    row.best_price, row.holds_best_offer, row.competitors = (
        best_price,
        holds_best_offer,
        competitors,
    )
    stamp(row, now)


def drifted(row: SkuPrice) -> bool:
    """Whether Cdiscount holds another price than the one cdlink wants there."""
    return (
        row.marketplace_price is not None
        and row.price is not None
        and row.marketplace_price != row.price
    )
