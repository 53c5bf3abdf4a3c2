"""The seller's customer service actions, recorded before they are sent, and their outcome.

Each request is checked (``rules``), then recorded in ``customer_service_actions`` (state
``pending``) in the caller's transaction; the sync layer adds the outbox entry in the same
transaction (``cdlink.sync.customer_service.actions``) and, once sent, records the outcome here
(``done``, or ``failed`` with the marketplace's reason). A failed action is retried as a new
action with the same request, so the history keeps every attempt.
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from cdlink.core.translatable import translatable
from cdlink.hub.customer_service.rules import (
    Attachment,
    CustomerServiceError,
    check_gesture,
    check_message,
    check_refund,
)
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import CustomerServiceAction, Discussion, DiscussionMessage, Order

REPLY, CLOSE, MARK_READ, REFUND, GESTURE = "reply", "close", "mark_read", "refund", "gesture"
KINDS = (REPLY, CLOSE, MARK_READ, REFUND, GESTURE)
PENDING, DONE, FAILED = "pending", "done", "failed"
#: Line statuses whose amount can no longer be given back (cancelled or refused lines).
_CLOSED_LINES = ("Cancelled", "Refused", "CancelledBySeller", "CancelledByCustomer")


def _record(
    session: Session,
    *,
    connection_id: int,
    kind: str,
    payload: dict[str, Any],
    requested_by: str | None,
    now: datetime,
    discussion: Discussion | None = None,
    order: Order | None = None,
    amount: Decimal | None = None,
) -> CustomerServiceAction:
    action = CustomerServiceAction(
        connection_id=connection_id,
        discussion_id=discussion.id if discussion else None,
        order_id=order.id if order else None,
        kind=kind,
        payload=payload,
        amount=amount,
        state=PENDING,
        requested_by=requested_by,
        requested_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    return action


def record_reply(
    session: Session,
    discussion: Discussion,
    body: str,
    attachments: list[Attachment],
    *,
    requested_by: str | None,
    now: datetime,
) -> CustomerServiceAction:
    check_message(body, attachments)
    _check_open(discussion)
    payload = {
        "body": body,
        "attachments": [
            {"file_name": item.file_name, "content": base64.b64encode(item.content).decode()}
            for item in attachments
        ],
    }
    return _record(
        session,
        connection_id=discussion.connection_id,
        kind=REPLY,
        payload=payload,
        requested_by=requested_by,
        now=now,
        discussion=discussion,
        order=linked_order(session, discussion),
    )


def record_close(
    session: Session, discussion: Discussion, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction:
    _check_open(discussion)
    if discussion.graduation == "Level_1":
        raise CustomerServiceError(
            "discussion_level_1",
            translatable("Cdiscount's customer care handles this claim: it cannot be closed"),
        )
    return _record(
        session,
        connection_id=discussion.connection_id,
        kind=CLOSE,
        payload={},
        requested_by=requested_by,
        now=now,
        discussion=discussion,
        order=linked_order(session, discussion),
    )


def record_mark_read(
    session: Session, discussion: Discussion, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction | None:
    """Mark the discussion read in cdlink, and its customer's last message on the marketplace."""
    discussion.read_at = now
    last = last_customer_message_id(session, discussion)
    if last is None:
        return None
    return _record(
        session,
        connection_id=discussion.connection_id,
        kind=MARK_READ,
        payload={"message_id": last},
        requested_by=requested_by,
        now=now,
        discussion=discussion,
    )


def record_gesture(
    session: Session,
    order: Order,
    amount: Decimal,
    reason: str,
    *,
    details: str | None = None,
    discussion: Discussion | None = None,
    requested_by: str | None,
    now: datetime,
) -> CustomerServiceAction:
    check_gesture(order.status, amount, allowed_amount(session, order), reason, details)
    return _record(
        session,
        connection_id=order.connection_id,
        kind=GESTURE,
        payload={"reason": reason, "details": details},
        requested_by=requested_by,
        now=now,
        discussion=discussion,
        order=order,
        amount=amount,
    )


def record_refund(
    session: Session,
    order: Order,
    reason: str,
    *,
    discussion: Discussion | None = None,
    requested_by: str | None,
    now: datetime,
) -> CustomerServiceAction:
    """A refund is the cancellation of an accepted order: the customer gets everything back."""
    offered = refund_reasons(session, order)
    check_refund(order.status, reason, offered)
    if _pending(session, order.id, REFUND):
        raise CustomerServiceError(
            "refund_pending", translatable("a refund of this order is already being sent")
        )
    return _record(
        session,
        connection_id=order.connection_id,
        kind=REFUND,
        payload={"reason": reason},
        requested_by=requested_by,
        now=now,
        discussion=discussion,
        order=order,
        amount=refundable_amount(session, order),
    )


def retry(
    session: Session, action: CustomerServiceAction, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction:
    """Ask again for a failed action: a new action with the same request."""
    if action.state != FAILED:
        raise CustomerServiceError("retry", translatable("only a failed action can be retried"))
    return _record(
        session,
        connection_id=action.connection_id,
        kind=action.kind,
        payload=dict(action.payload),
        requested_by=requested_by,
        now=now,
        discussion=session.get(Discussion, action.discussion_id) if action.discussion_id else None,
        order=session.get(Order, action.order_id) if action.order_id else None,
        amount=action.amount,
    )


def finish(
    action: CustomerServiceAction,
    *,
    succeeded: bool,
    outcome: str,
    now: datetime,
    marketplace_id: str | None = None,
) -> None:
    action.state = DONE if succeeded else FAILED
    action.outcome = outcome
    action.finished_at = action.updated_at = now
    action.marketplace_id = marketplace_id or action.marketplace_id
    session = object_session(action)
    if succeeded and action.kind == REFUND and session is not None:
        data = {
            "order_id": action.order_id,
            "discussion_id": action.discussion_id,
            "amount": None if action.amount is None else str(action.amount),
            "currency": "EUR",
            "marketplace_id": action.marketplace_id,
        }
        emit(session, "refund.completed", data, connection_id=action.connection_id, now=now)


def linked_order(session: Session, discussion: Discussion) -> Order | None:
    """cdlink's own order of the discussion (a join on the marketplace id, no call)."""
    if discussion.marketplace_order_id is None:
        return None
    query = select(Order).where(
        Order.connection_id == discussion.connection_id,
        Order.marketplace_order_id == discussion.marketplace_order_id,
    )
    return session.scalars(query).one_or_none()


def last_customer_message_id(session: Session, discussion: Discussion) -> str | None:
    query = (
        select(DiscussionMessage.marketplace_message_id)
        .where(
            DiscussionMessage.discussion_id == discussion.id,
            DiscussionMessage.sender_type != "Seller",
        )
        .order_by(DiscussionMessage.sent_at.desc(), DiscussionMessage.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def gestured_amount(session: Session, order_id: int) -> Decimal:
    """Gestures asked for the order and not refused (pending or done)."""
    return _sum(session, order_id, GESTURE)


def refunded_amount(session: Session, order_id: int) -> Decimal:
    return _sum(session, order_id, REFUND)


def refundable_amount(session: Session, order: Order) -> Decimal:
    """What is still paid on the order's open lines (and its fees), less the gestures."""
    lines = sum(
        (line.total_amount for line in order.lines if line.status not in _CLOSED_LINES),
        Decimal(0),
    )
    return max(Decimal(0), lines - gestured_amount(session, order.id))


def allowed_amount(session: Session, order: Order) -> Decimal:
    """The most a gesture may give back now (0 before shipment): what the marketplace allows,
    paid on open lines minus earlier gestures, estimated from cdlink's own data."""
    if order.status not in ("Shipped", "Delivered"):
        return Decimal(0)
    if refunded_amount(session, order.id):
        return Decimal(0)
    return refundable_amount(session, order)


def refund_reasons(session: Session, order: Order) -> list[str]:
    """The marketplace's cancellation reasons for the order's status (fetched by a stream)."""
    return [item.code for item in reasons_for(session, order.connection_id, order.status)]


def _sum(session: Session, order_id: int, kind: str) -> Decimal:
    query = select(func.sum(CustomerServiceAction.amount)).where(
        CustomerServiceAction.order_id == order_id,
        CustomerServiceAction.kind == kind,
        CustomerServiceAction.state.in_((PENDING, DONE)),
    )
    return Decimal(session.scalar(query) or 0)


def _pending(session: Session, order_id: int, kind: str) -> bool:
    query = select(func.count(CustomerServiceAction.id)).where(
        CustomerServiceAction.order_id == order_id,
        CustomerServiceAction.kind == kind,
        CustomerServiceAction.state.in_((PENDING, DONE)),
    )
    return bool(session.scalar(query))


def _check_open(discussion: Discussion) -> None:
    if not discussion.is_open:
        raise CustomerServiceError("discussion_closed", translatable("this discussion is closed"))
