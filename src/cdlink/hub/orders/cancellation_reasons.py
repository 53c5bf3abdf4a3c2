"""Cancellation reasons: the marketplace's codes, cached per connection and order status.

The marketplace offers different reasons for each order status (``GET /cancellation-reasons``).
The ``cancellation_reasons`` stream (``cdlink.sync.orders.cancellation_reasons``) fetches them for
every status a seller may cancel from and replaces the cache in one transaction; the cancel forms
offer them and a cancellation is checked against them before it is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.store.models import CachedCancellationReason

#: The order statuses a seller may cancel from (``cdlink.hub.orders.actions``).
CANCELLABLE_STATUSES = ("WaitingAcceptance", "Accepted", "InPreparation")


@dataclass(frozen=True)
class Reason:
    code: str
    label: str | None


def reasons_for(session: Session, connection_id: int, order_status: str) -> list[Reason]:
    query = (
        select(CachedCancellationReason)
        .where(
            CachedCancellationReason.connection_id == connection_id,
            CachedCancellationReason.order_status == order_status,
        )
        .order_by(CachedCancellationReason.id)
    )
    return [Reason(row.code, row.label) for row in session.scalars(query)]


def fetched_at(session: Session, connection_id: int) -> datetime | None:
    """When the connection's reasons were last fetched (None: never)."""
    query = select(CachedCancellationReason.fetched_at).where(
        CachedCancellationReason.connection_id == connection_id
    )
    return session.scalars(query.limit(1)).first()


def replace_reasons(
    session: Session,
    connection_id: int,
    by_status: Mapping[str, Iterable[Reason]],
    now: datetime,
) -> int:
    """Replace the cached reasons of the statuses in ``by_status``; returns how many are kept."""
    kept = 0
    for status, reasons in by_status.items():
        session.execute(
            delete(CachedCancellationReason).where(
                CachedCancellationReason.connection_id == connection_id,
                CachedCancellationReason.order_status == status,
            )
        )
        seen: set[str] = set()
        for reason in reasons:
            if reason.code in seen:
                continue  # the marketplace may list a code twice; one is enough
            seen.add(reason.code)
            session.add(
                CachedCancellationReason(
                    connection_id=connection_id,
                    order_status=status,
                    code=reason.code,
                    label=reason.label,
                    fetched_at=now,
                )
            )
            kept += 1
    session.flush()
    return kept
