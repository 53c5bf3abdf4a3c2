"""What the pages and the API both do to ask for a customer service action: decode the files,
find the discussion and order, record the request and queue it (never a marketplace call)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service.queries import UnknownDiscussionError, get
from cdlink.hub.customer_service.rules import Attachment, CustomerServiceError
from cdlink.hub.orders.queries import UnknownOrderError, get_order
from cdlink.store.models import CustomerServiceAction, Discussion, Order, User
from cdlink.sync.customer_service import actions as requests


def decode(file_name: str, content: str) -> Attachment:
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as error:
        raise CustomerServiceError(
            "attachment_content", translatable("an attachment's content is not valid base64")
        ) from error
    return Attachment(file_name, data)


def reply(
    session: Session,
    discussion_id: int,
    body: str,
    attachments: list[Attachment],
    *,
    who: str,
    now: datetime,
) -> CustomerServiceAction:
    discussion = get(session, discussion_id)
    return requests.request_reply(session, discussion, body, attachments, requested_by=who, now=now)


def close(
    session: Session, discussion_id: int, *, who: str, now: datetime
) -> CustomerServiceAction:
    return requests.request_close(session, get(session, discussion_id), requested_by=who, now=now)


def mark_read(session: Session, discussion_id: int, *, who: str, now: datetime) -> None:
    requests.request_mark_read(session, get(session, discussion_id), requested_by=who, now=now)


def assign(session: Session, discussion_id: int, email: str | None) -> Discussion:
    discussion = get(session, discussion_id)
    if email:
        found = session.scalars(select(User).where(User.email == email)).one_or_none()
        if found is None:
            raise CustomerServiceError("assignee", translatable("no user has this email"))
    discussion.assigned_to = email or None
    return discussion


def _order_and_discussion(
    session: Session, order_id: int, discussion_id: int | None
) -> tuple[Order, Discussion | None]:
    """The order and discussion a body names (an unknown one is a 422: the body is wrong)."""
    try:
        order = get_order(session, order_id)
    except UnknownOrderError as error:
        raise CustomerServiceError("order_id", translatable("no order has this id")) from error
    discussion = session.get(Discussion, discussion_id) if discussion_id is not None else None
    if discussion_id is not None and (
        discussion is None or discussion.marketplace_order_id != order.marketplace_order_id
    ):
        raise CustomerServiceError(
            "discussion_id", translatable("no discussion of this order has this id")
        )
    return order, discussion


def gesture(
    session: Session,
    order_id: int,
    amount: Decimal,
    reason: str,
    *,
    details: str | None,
    discussion_id: int | None,
    who: str,
    now: datetime,
) -> CustomerServiceAction:
    order, discussion = _order_and_discussion(session, order_id, discussion_id)
    return requests.request_gesture(
        session,
        order,
        amount,
        reason,
        details=details,
        discussion=discussion,
        requested_by=who,
        now=now,
    )


def refund(
    session: Session,
    order_id: int,
    reason: str,
    discussion_id: int | None,
    *,
    who: str,
    now: datetime,
) -> CustomerServiceAction:
    order, discussion = _order_and_discussion(session, order_id, discussion_id)
    return requests.request_refund(
        session, order, reason, discussion=discussion, requested_by=who, now=now
    )


def retry(session: Session, action_id: int, *, who: str, now: datetime) -> CustomerServiceAction:
    action = session.get(CustomerServiceAction, action_id)
    if action is None:
        raise UnknownDiscussionError(translatable("no such customer service action"))
    return requests.request_retry(session, action, requested_by=who, now=now)


def allowed(session: Session, order: Order) -> Decimal:
    return cs_actions.allowed_amount(session, order)
