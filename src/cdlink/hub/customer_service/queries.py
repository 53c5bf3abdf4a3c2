"""The inbox: discussions filtered, counted and sorted in SQL, with their response timers.

A discussion *waits for the seller* when the customer (or Cdiscount's customer care) wrote last;
it then has a due time, ``RESPONSE_DELAY`` after that message, and is overdue past it. The
escalation risk says how close it is to becoming a claim (or a claim to going to Cdiscount's
customer care): ``high`` when overdue or already a claim waiting, ``medium`` past half the delay,
``low`` otherwise, ``none`` when nothing waits for the seller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store import search
from cdlink.store.models import CustomerServiceAction, Discussion, Order

#: How long the seller has to answer the customer's last message (the marketplace escalates an
#: unanswered discussion to a claim after two days).
RESPONSE_DELAY = timedelta(hours=48)
CLAIM_GRADUATIONS = ("Claim", "Level_1")
FILTERS = ("open", "claims", "to_treat", "waiting_customer", "overdue", "all")
SORTS = ("due", "updated", "risk")


class UnknownDiscussionError(CdlinkError):
    default_hint = translatable("Open the inbox and pick a discussion from the list.")


@dataclass(frozen=True)
class InboxFilter:
    view: str = "open"
    connection_id: int | None = None
    order_id: str | None = None
    #: due, risk, updated (the marketplace's last change, newest first), updated_at (cdlink's
    #: last change, oldest first: for a client that syncs)
    sort: str = "due"
    # Text in the discussion's number, order number, subject or customer id.
    text: str | None = None
    #: Only discussions changed in cdlink at or after this moment.
    updated_since: datetime | None = None


@dataclass(frozen=True)
class Timers:
    waiting_since: datetime | None
    due_at: datetime | None
    overdue: bool
    risk: str


def timers(discussion: Discussion, now: datetime) -> Timers:
    customer, seller = discussion.last_customer_message_at, discussion.last_seller_message_at
    waiting = discussion.is_open and customer is not None and (seller is None or seller < customer)
    if not waiting or customer is None:
        return Timers(None, None, False, "none")
    due = customer + RESPONSE_DELAY
    overdue = now > due
    if overdue or discussion.graduation in CLAIM_GRADUATIONS:
        risk = "high"
    elif now > customer + RESPONSE_DELAY / 2:
        risk = "medium"
    else:
        risk = "low"
    return Timers(customer, due, overdue, risk)


def _waiting_for_seller() -> object:
    return and_(
        Discussion.is_open.is_(True),
        Discussion.last_customer_message_at.is_not(None),
        or_(
            Discussion.last_seller_message_at.is_(None),
            Discussion.last_seller_message_at < Discussion.last_customer_message_at,
        ),
    )


def _view(query: Select[tuple[Discussion]], view: str, now: datetime) -> Select[tuple[Discussion]]:
    if view == "open":
        return query.where(Discussion.is_open.is_(True))
    if view == "claims":
        return query.where(Discussion.graduation.in_(CLAIM_GRADUATIONS))
    if view == "to_treat":
        return query.where(_waiting_for_seller())  # type: ignore[arg-type]
    if view == "waiting_customer":
        return query.where(
            Discussion.is_open.is_(True),
            Discussion.last_seller_message_at.is_not(None),
            or_(
                Discussion.last_customer_message_at.is_(None),
                Discussion.last_seller_message_at >= Discussion.last_customer_message_at,
            ),
        )
    if view == "overdue":
        return query.where(
            _waiting_for_seller(),  # type: ignore[arg-type]
            Discussion.last_customer_message_at < now - RESPONSE_DELAY,
        )
    return query


def _filtered(
    session: Session, inbox: InboxFilter, now: datetime, is_open: bool | None = None
) -> Select[tuple[Discussion]]:
    query = _view(select(Discussion), inbox.view, now)
    found = search.matching(session, search.DISCUSSIONS, inbox.text)
    if found is not None:
        query = query.where(found)
    if is_open is not None:
        query = query.where(Discussion.is_open.is_(is_open))
    if inbox.connection_id is not None:
        query = query.where(Discussion.connection_id == inbox.connection_id)
    if inbox.order_id:
        query = query.where(Discussion.marketplace_order_id == inbox.order_id)
    if inbox.updated_since is not None:
        query = query.where(Discussion.updated_at >= inbox.updated_since)
    return query


def inbox(
    session: Session,
    inbox: InboxFilter,
    now: datetime,
    *,
    offset: int = 0,
    limit: int = 50,
    is_open: bool | None = None,
) -> list[Discussion]:
    query = _filtered(session, inbox, now, is_open)
    if inbox.sort == "updated":
        query = query.order_by(Discussion.marketplace_updated_at.desc(), Discussion.id.desc())
    elif inbox.sort == "updated_at":
        query = query.order_by(Discussion.updated_at.asc(), Discussion.id.asc())
    elif inbox.sort == "risk":
        claim_first = case((Discussion.graduation.in_(CLAIM_GRADUATIONS), 0), else_=1)
        query = query.order_by(
            claim_first, Discussion.last_customer_message_at.asc().nulls_last(), Discussion.id
        )
    else:  # due: the oldest unanswered customer message first, answered ones after
        waiting = case((_waiting_for_seller(), 0), else_=1)  # type: ignore[arg-type]
        query = query.order_by(
            waiting, Discussion.last_customer_message_at.asc().nulls_last(), Discussion.id
        )
    return list(session.scalars(query.offset(offset).limit(limit)))


def total(
    session: Session, inbox: InboxFilter, now: datetime, *, is_open: bool | None = None
) -> int:
    query = _filtered(session, inbox, now, is_open).with_only_columns(func.count(Discussion.id))
    return int(session.scalar(query) or 0)


def counts(session: Session, now: datetime, connection_id: int | None = None) -> dict[str, int]:
    """How many discussions each view of the inbox holds (the navigation's badges)."""
    return {
        view: total(session, InboxFilter(view=view, connection_id=connection_id), now)
        for view in FILTERS
    }


def get(session: Session, discussion_id: int) -> Discussion:
    discussion = session.get(Discussion, discussion_id)
    if discussion is None:
        raise UnknownDiscussionError(translatable("no such discussion"))
    return discussion


def previous_threads(session: Session, discussion: Discussion, limit: int = 10) -> list[Discussion]:
    """The customer's other discussions on this connection, newest first."""
    if discussion.customer_id is None:
        return []
    query = (
        select(Discussion)
        .where(
            Discussion.connection_id == discussion.connection_id,
            Discussion.customer_id == discussion.customer_id,
            Discussion.id != discussion.id,
        )
        .order_by(Discussion.marketplace_updated_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def discussions_of_order(session: Session, order: Order) -> list[Discussion]:
    query = (
        select(Discussion)
        .where(
            Discussion.connection_id == order.connection_id,
            Discussion.marketplace_order_id == order.marketplace_order_id,
        )
        .order_by(Discussion.marketplace_updated_at.desc())
    )
    return list(session.scalars(query))


def actions_of(
    session: Session, *, discussion_id: int | None = None, order_id: int | None = None
) -> list[CustomerServiceAction]:
    query = select(CustomerServiceAction).order_by(CustomerServiceAction.id)
    if discussion_id is not None:
        query = query.where(CustomerServiceAction.discussion_id == discussion_id)
    if order_id is not None:
        query = query.where(CustomerServiceAction.order_id == order_id)
    return list(session.scalars(query))


def actions_by_kind(
    session: Session,
    kinds: tuple[str, ...],
    *,
    offset: int = 0,
    limit: int = 50,
    updated_since: datetime | None = None,
    by_update: bool = False,
) -> list[CustomerServiceAction]:
    """Recorded actions of these kinds, the newest first, or by their last change (oldest
    first) with ``by_update``; ``updated_since`` keeps those changed at or after it."""
    action = CustomerServiceAction
    query = select(action).where(action.kind.in_(kinds))
    if updated_since is not None:
        query = query.where(action.updated_at >= updated_since)
    order = (action.updated_at, action.id) if by_update else (action.id.desc(),)
    return list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))


def order_ids(session: Session, discussions: list[Discussion]) -> dict[str, int]:
    """cdlink's order id of each discussion's marketplace order id (those imported)."""
    wanted = {d.marketplace_order_id for d in discussions if d.marketplace_order_id}
    if not wanted:
        return {}
    query = select(Order.marketplace_order_id, Order.id).where(
        Order.marketplace_order_id.in_(wanted),
        Order.connection_id.in_({d.connection_id for d in discussions}),
    )
    return {row[0]: row[1] for row in session.execute(query)}


def waiting_count(session: Session, now: datetime) -> int:
    """Open discussions waiting for the seller's answer (the navigation's badge)."""
    return total(session, InboxFilter(view="to_treat"), now)
