"""Returns of Octopia fulfilment orders, as imported (there is no returns API for the orders a
seller ships itself: those go through a discussion and a refund or a gesture)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.store.models import OrderReturn


@dataclass(frozen=True)
class ReturnDraft:
    marketplace_return_id: str
    status: str
    updated_at: datetime
    marketplace_order_id: str | None = None
    type: str | None = None
    reason: str | None = None
    created_at: datetime | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)


def save_return(
    session: Session, connection_id: int, draft: ReturnDraft, now: datetime
) -> OrderReturn:
    query = select(OrderReturn).where(
        OrderReturn.connection_id == connection_id,
        OrderReturn.marketplace_return_id == draft.marketplace_return_id,
    )
    found = session.scalars(query).one_or_none()
    if found is None:
        found = OrderReturn(
            connection_id=connection_id,
            marketplace_return_id=draft.marketplace_return_id,
            marketplace_updated_at=draft.updated_at,
            status=draft.status,
            imported_at=now,
            updated_at=now,
        )
        session.add(found)
    elif draft.updated_at < found.marketplace_updated_at:
        return found
    found.status = draft.status
    found.marketplace_updated_at = draft.updated_at
    found.marketplace_order_id = draft.marketplace_order_id
    found.type = draft.type
    found.reason = draft.reason
    found.created_at = draft.created_at
    found.lines = list(draft.lines)
    if session.is_modified(found):
        found.updated_at = now
    session.flush()
    return found


def returns(
    session: Session,
    *,
    connection_id: int | None = None,
    order_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
    updated_since: datetime | None = None,
    by_update: bool = False,
) -> list[OrderReturn]:
    """Returns, the marketplace's latest change first, or cdlink's oldest change first with
    ``by_update``; ``updated_since`` keeps those cdlink changed at or after it."""
    if by_update:
        query = select(OrderReturn).order_by(OrderReturn.updated_at, OrderReturn.id)
    else:
        query = select(OrderReturn).order_by(
            OrderReturn.marketplace_updated_at.desc(), OrderReturn.id.desc()
        )
    if updated_since is not None:
        query = query.where(OrderReturn.updated_at >= updated_since)
    if connection_id is not None:
        query = query.where(OrderReturn.connection_id == connection_id)
    if order_id is not None:
        query = query.where(OrderReturn.marketplace_order_id == order_id)
    return list(session.scalars(query.offset(offset).limit(limit)))
