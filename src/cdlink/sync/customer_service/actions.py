"""Sending the seller's customer service actions: recorded first, sent by the engine, outcome
read back.

``request_reply``, ``request_close``, ``request_mark_read``, ``request_refund``,
``request_gesture`` and ``request_retry`` check an action (``cdlink.hub.customer_service``),
record it and add an outbox entry for the ``customer_service_actions`` stream in the caller's
transaction: nothing is lost between a click and the marketplace, and a request breaking a rule
is refused before anything is recorded.

``CustomerServiceExporter`` drains those entries. Before each attempt it notes the attempt on the
action; an action attempted before (its answer lost to a timeout, a 5xx, a killed worker) is first
looked up on the marketplace (the seller's message in the thread, the gesture in the order's
list, the order's status) so a reply or a gesture that arrived is never sent twice. A refusal by
the marketplace (4xx, ``RuleViolation``) is an answer: the action fails with its reason and the
entry is done (Retry asks again). A transport or server error fails the run; the failure policy
retries it and the entry is claimed again.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service.records import add_messages
from cdlink.hub.customer_service.rules import Attachment
from cdlink.octopia import Conflict, Forbidden, InvalidRequest, NotFound, OctopiaClient
from cdlink.octopia.models import OutgoingAttachment, UserType
from cdlink.store.models import CustomerServiceAction, Discussion, Order
from cdlink.sync.customer_service.mapping import message_draft
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import save_with_stock

STREAM = "customer_service_actions"
_ANSWERS = (InvalidRequest, Conflict, NotFound, Forbidden)
#: How far before its request a message found on the marketplace may be dated (clock skew).
_SKEW = timedelta(minutes=5)


def _queue(session: Session, action: CustomerServiceAction, now: datetime) -> None:
    outbox.add(
        session,
        connection_id=action.connection_id,
        stream=STREAM,
        key=f"cs_action:{action.id}",
        payload={"action_id": action.id},
        now=now,
    )


def request_reply(
    session: Session,
    discussion: Discussion,
    body: str,
    attachments: list[Attachment] | None = None,
    *,
    requested_by: str | None,
    now: datetime,
) -> CustomerServiceAction:
    action = cs_actions.record_reply(
        session, discussion, body, attachments or [], requested_by=requested_by, now=now
    )
    _queue(session, action, now)
    return action


def request_close(
    session: Session, discussion: Discussion, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction:
    action = cs_actions.record_close(session, discussion, requested_by=requested_by, now=now)
    _queue(session, action, now)
    return action


def request_mark_read(
    session: Session, discussion: Discussion, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction | None:
    action = cs_actions.record_mark_read(session, discussion, requested_by=requested_by, now=now)
    if action is not None:
        _queue(session, action, now)
    return action


def request_gesture(
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
    action = cs_actions.record_gesture(
        session,
        order,
        amount,
        reason,
        details=details,
        discussion=discussion,
        requested_by=requested_by,
        now=now,
    )
    _queue(session, action, now)
    return action


def request_refund(
    session: Session,
    order: Order,
    reason: str,
    *,
    discussion: Discussion | None = None,
    requested_by: str | None,
    now: datetime,
) -> CustomerServiceAction:
    action = cs_actions.record_refund(
        session, order, reason, discussion=discussion, requested_by=requested_by, now=now
    )
    _queue(session, action, now)
    return action


def request_retry(
    session: Session, action: CustomerServiceAction, *, requested_by: str | None, now: datetime
) -> CustomerServiceAction:
    again = cs_actions.retry(session, action, requested_by=requested_by, now=now)
    _queue(session, again, now)
    return again


class CustomerServiceExporter(OutboxExporter):
    """Sends replies, closings, read marks, refunds and gestures, one entry per action."""

    name = STREAM
    kind = "customer_service_action"

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        return {
            push.entry_id: self.send(context, int(push.payload["action_id"])) for push in pushes
        }

    def send(self, context: StreamContext, action_id: int) -> PushOutcome:
        with context.transaction() as session:
            action = session.get_one(CustomerServiceAction, action_id)
            if action.state != cs_actions.PENDING:
                return PushOutcome(confirmed=True)  # finished by an earlier claim
            retried = action.attempted_at is not None
            action.attempted_at = action.updated_at = context.clock.now()
            request = _Request.of(session, action)
        client = context.client()
        found = _arrived(client, request) if retried else None
        if found is not None:
            succeeded, outcome, marketplace_id = True, found[0], found[1]
        else:
            try:
                outcome, marketplace_id = _call(client, request)
                succeeded = True
            except _ANSWERS as answer:
                succeeded, outcome, marketplace_id = False, str(answer), None
        self.record(context, client, request, (succeeded, outcome, marketplace_id))
        context.count(**{"done" if succeeded else "refused_by_marketplace": 1})
        return PushOutcome(confirmed=True)

    def record(
        self,
        context: StreamContext,
        client: OctopiaClient,
        request: _Request,
        result: tuple[bool, str, str | None],
    ) -> None:
        succeeded, outcome, marketplace_id = result
        current = None
        if request.kind == cs_actions.REFUND and request.order_id is not None:
            current = client.orders.get(request.order_id)
        thread = None
        if request.discussion_id is not None and request.kind in (
            cs_actions.REPLY,
            cs_actions.CLOSE,
        ):
            thread = client.discussions.get(request.discussion_id)
        now = context.clock.now()
        with context.transaction() as session:
            action = session.get_one(CustomerServiceAction, request.action_id)
            if current is not None:
                save_with_stock(
                    session,
                    context.connection_id,
                    order_draft(current),
                    clock=context.clock,
                    now=now,
                    stream=STREAM,
                    run_id=context.run_id,
                )
            if thread is not None and action.discussion_id is not None:
                discussion = session.get_one(Discussion, action.discussion_id)
                drafts = [message_draft(item, thread.updated_at) for item in thread.messages or []]
                add_messages(session, discussion, drafts, now)
                discussion.is_open = thread.is_open is not False
            cs_actions.finish(
                action, succeeded=succeeded, outcome=outcome, now=now, marketplace_id=marketplace_id
            )


class _Request:
    """What one action asks, read in a transaction and sent outside it."""

    def __init__(
        self,
        action: CustomerServiceAction,
        discussion_id: str | None,
        order_id: str | None,
        order_status: str | None,
    ) -> None:
        self.action_id = action.id
        self.kind = action.kind
        self.payload = dict(action.payload)
        self.amount = action.amount
        self.requested_at = action.requested_at
        self.discussion_id = discussion_id
        self.order_id = order_id
        self.order_status = order_status

    @classmethod
    def of(cls, session: Session, action: CustomerServiceAction) -> _Request:
        discussion = session.get(Discussion, action.discussion_id) if action.discussion_id else None
        order = session.get(Order, action.order_id) if action.order_id else None
        return cls(
            action,
            discussion.marketplace_discussion_id if discussion else None,
            order.marketplace_order_id if order else None,
            order.status if order else None,
        )


def _call(client: OctopiaClient, request: _Request) -> tuple[str, str | None]:
    """Send the request; returns the outcome to show and the id of what was created."""
    payload = request.payload
    if request.kind == cs_actions.REPLY:
        assert request.discussion_id is not None
        attachments = [
            OutgoingAttachment.of(item["file_name"], base64.b64decode(item["content"]))
            for item in payload.get("attachments", [])
        ]
        message = client.discussions.reply(
            request.discussion_id,
            str(payload["body"]),
            receivers=(UserType.CUSTOMER,),
            attachments=attachments,
        )
        return "sent", message.message_id if message else None
    if request.kind == cs_actions.CLOSE:
        assert request.discussion_id is not None
        client.discussions.close(request.discussion_id)
        return "closed", None
    if request.kind == cs_actions.MARK_READ:
        client.discussions.mark_read(str(payload["message_id"]))
        return "read", None
    assert request.order_id is not None
    if request.kind == cs_actions.REFUND:
        client.orders.refund(request.order_id, str(payload["reason"]))
        return "refund requested", None
    assert request.amount is not None
    gesture = client.commercial_gestures.request(
        request.order_id,
        str(payload["reason"]),
        request.amount,
        reason_details=payload.get("details") or None,
    )
    return "gesture requested", gesture.request_id


def _arrived(client: OctopiaClient, request: _Request) -> tuple[str, str | None] | None:
    """Whether an earlier attempt of ``request`` reached the marketplace (its answer lost)."""
    since = request.requested_at - _SKEW
    if request.kind == cs_actions.REPLY and request.discussion_id is not None:
        thread = client.discussions.get(request.discussion_id)
        for message in thread.messages or []:
            sender = message.sender.user_type if message.sender else None
            dated = message.created_at is None or message.created_at >= since
            if str(sender) == UserType.SELLER and message.body == request.payload["body"] and dated:
                return "sent", message.message_id
        return None
    if request.kind == cs_actions.GESTURE and request.order_id is not None:
        for gesture in client.commercial_gestures.list(order_id=request.order_id):
            dated = gesture.created_at is None or gesture.created_at >= since
            same = gesture.amount == request.amount and gesture.reason == request.payload["reason"]
            if same and dated:
                return "gesture requested", gesture.request_id
        return None
    refund = request.kind == cs_actions.REFUND and request.order_id is not None
    if refund and str(client.orders.get(str(request.order_id)).status) == "Cancelled":
        return "refund requested", None
    return None
