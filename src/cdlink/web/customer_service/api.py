"""``/api/v1/discussions``, ``/refunds``, ``/gestures``, ``/returns``: customer service.

Replies, closings, refunds and gestures are checked, recorded and queued here
(``cdlink.sync.customer_service.actions``); the sync engine sends them. The answer is the recorded
action (``pending``); its outcome appears on the discussion (and the order) once sent. A request
breaking a rule (a reply under 13 or over 5,000 characters, a fourth attachment, a file over
4 MB, a gesture above the allowed amount or before shipment) is a 422 naming the rule, and
nothing is recorded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service import queries
from cdlink.hub.customer_service.returns import returns as list_returns
from cdlink.store.models import CustomerServiceAction, Discussion
from cdlink.web.customer_service import writes
from cdlink.web.identity import current_identity
from cdlink.web.listing import Listing, ListOut, PagedListOut, Window, example
from cdlink.web.params import Id, QueryId
from cdlink.web.runtime import wake

router = APIRouter(tags=["customer service"])

View = Literal["open", "claims", "to_treat", "waiting_customer", "overdue", "all"]
#: The inbox's orders: the most urgent first (due), by claim risk, the marketplace's latest change
#: first (updated), cdlink's oldest change first (updated_at, to sync).
DISCUSSIONS = Listing(("due", "updated", "risk", "updated_at"), pages=True)
#: Refunds and gestures: the newest first, or cdlink's oldest change first (updated_at, to sync).
ACTIONS = Listing(("-requested_at", "updated_at"), pages=True)
RETURNS = Listing(("-marketplace_updated_at", "updated_at"), pages=True)


class TimersOut(BaseModel):
    waiting_since: datetime | None = Field(description="The customer's last unanswered message.")
    due_at: datetime | None = Field(description="When the answer is due (48 hours after it).")
    overdue: bool
    risk: Literal["none", "low", "medium", "high"] = Field(
        description="How close the discussion is to escalating (to a claim, or to Cdiscount)."
    )


class DiscussionSummary(BaseModel):
    model_config = example(
        {
            "id": 31,
            "connection_id": 1,
            "marketplace_discussion_id": "40000003",
            "marketplace_order_id": "2612051234ABCD",
            "order_id": 12,
            "subject": "Modification de ma commande 2612051234ABCD",
            "is_open": True,
            "graduation": "Discussion",
            "sub_typology_code": "orderModification",
            "process_status": "ToTreat",
            "customer_id": "C057509219",
            "assigned_to": "sav@boutique.fr",
            "read": False,
            "last_customer_message_at": "2026-12-05T09:40:00Z",
            "last_seller_message_at": None,
            "marketplace_updated_at": "2026-12-05T09:40:00Z",
            "timers": {
                "waiting_since": "2026-12-05T09:40:00Z",
                "due_at": "2026-12-07T09:40:00Z",
                "overdue": False,
                "risk": "medium",
            },
        }
    )

    id: int
    connection_id: int
    marketplace_discussion_id: str
    marketplace_order_id: str | None
    order_id: int | None = Field(description="cdlink's order (null until it is imported).")
    subject: str | None
    is_open: bool
    graduation: str | None = Field(description="Discussion, Claim or Level_1.")
    sub_typology_code: str | None
    process_status: str | None
    customer_id: str | None
    assigned_to: str | None
    read: bool = Field(description="Read in cdlink since the customer's last message.")
    last_customer_message_at: datetime | None
    last_seller_message_at: datetime | None
    marketplace_updated_at: datetime
    timers: TimersOut


class MessageOut(BaseModel):
    marketplace_message_id: str
    sender_type: str | None
    body: str
    sent_at: datetime
    attachments: list[dict[str, object]]


class ActionOut(BaseModel):
    model_config = example(
        {
            "id": 7,
            "kind": "gesture",
            "state": "done",
            "outcome": "accepted",
            "discussion_id": 31,
            "order_id": 12,
            "amount": "5.00",
            "reason": "LateDelivery",
            "marketplace_id": "GC-118204",
            "requested_by": "sav@boutique.fr",
            "requested_at": "2026-12-05T10:02:00Z",
            "finished_at": "2026-12-05T10:02:04Z",
            "updated_at": "2026-12-05T10:02:04Z",
        }
    )

    id: int
    kind: Literal["reply", "close", "mark_read", "refund", "gesture"]
    state: Literal["pending", "done", "failed"]
    outcome: str | None
    discussion_id: int | None
    order_id: int | None
    amount: Decimal | None
    reason: str | None = None
    marketplace_id: str | None
    requested_by: str | None
    requested_at: datetime
    finished_at: datetime | None
    updated_at: datetime = Field(description="Its last change in cdlink (recorded, sent, done).")


class DiscussionDetail(DiscussionSummary):
    #: Not the list item's example (it would lack this model's fields).
    model_config = ConfigDict(json_schema_extra=None)

    messages: list[MessageOut]
    actions: list[ActionOut]
    previous_discussions: list[int] = Field(description="This customer's other discussions.")


class DiscussionList(PagedListOut):
    items: list[DiscussionSummary]
    counts: dict[str, int] = Field(description="How many discussions each view holds.")


class AttachmentIn(BaseModel):
    file_name: StrictStr = Field(min_length=1, max_length=255, examples=["photo.jpg"])
    content: StrictStr = Field(
        max_length=8_000_000, description="The file in base64 (at most 4 MB once decoded)."
    )


class ReplyIn(BaseModel):
    body: StrictStr = Field(
        max_length=20_000, description="13 to 5,000 characters.", examples=["Bonjour, ..."]
    )
    attachments: list[AttachmentIn] = Field(
        default_factory=list, max_length=10, description="At most 3 (png, jpg, pdf, doc...)."
    )


class AssignIn(BaseModel):
    assigned_to: StrictStr | None = Field(default=None, max_length=254)


Amount = Annotated[Decimal, Field(gt=Decimal(0), le=Decimal(1_000_000), allow_inf_nan=False)]


class GestureIn(BaseModel):
    order_id: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]
    amount: Amount = Field(description="Euros, at most the order's allowed amount.")
    reason: StrictStr = Field(
        max_length=80,
        description="MissingProduct, DamagedProduct, LateDelivery, "
        "ProductNotAsDescribed, CustomerDissatisfaction or Other (then details).",
    )
    details: StrictStr | None = Field(default=None, max_length=1000)
    discussion_id: Annotated[int | None, Field(strict=True, ge=1, le=2**31 - 1)] = None


class RefundIn(BaseModel):
    order_id: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]
    reason: StrictStr = Field(max_length=80, description="One of the order's cancellation reasons.")
    discussion_id: Annotated[int | None, Field(strict=True, ge=1, le=2**31 - 1)] = None


class ActionList(ListOut):
    items: list[ActionOut]


class ReturnOut(BaseModel):
    model_config = example(
        {
            "id": 4,
            "connection_id": 1,
            "marketplace_return_id": "RT-2612-0041",
            "marketplace_order_id": "2612011022XYZW",
            "status": "Received",
            "type": "Customer",
            "reason": "Article ne correspondant pas à la description",
            "lines": [{"seller_product_id": "TSHIRT-BLEU-M", "quantity": 1}],
            "created_at": "2026-12-03T14:20:00Z",
            "marketplace_updated_at": "2026-12-05T07:58:00Z",
            "updated_at": "2026-12-05T08:00:12Z",
        }
    )

    id: int
    connection_id: int
    marketplace_return_id: str
    marketplace_order_id: str | None
    status: str
    type: str | None
    reason: str | None
    lines: list[dict[str, object]]
    created_at: datetime | None
    marketplace_updated_at: datetime
    updated_at: datetime = Field(description="When cdlink last stored a change of it.")


class ReturnList(ListOut):
    items: list[ReturnOut]
    note: str = (
        "Only returns of orders fulfilled by Octopia exist on the marketplace; returns of "
        "orders the seller ships go through a discussion and a refund or a gesture."
    )


def action_out(action: CustomerServiceAction) -> ActionOut:
    out = ActionOut.model_validate(action, from_attributes=True)
    out.reason = action.payload.get("reason") if action.kind in ("refund", "gesture") else None
    return out


def summary(discussion: Discussion, order_ids: dict[str, int], now: datetime) -> DiscussionSummary:
    found = queries.timers(discussion, now)
    last = discussion.last_customer_message_at
    return DiscussionSummary.model_validate(
        {
            **{
                name: getattr(discussion, name)
                for name in DiscussionSummary.model_fields
                if hasattr(discussion, name)
            },
            "order_id": order_ids.get(discussion.marketplace_order_id or ""),
            "read": last is None or (discussion.read_at is not None and discussion.read_at >= last),
            "timers": TimersOut(
                waiting_since=found.waiting_since,
                due_at=found.due_at,
                overdue=found.overdue,
                risk=found.risk,
            ),
        }
    )


@router.get("/discussions")
def discussions(
    request: Request,
    *,
    view: View = "all",
    open: Annotated[bool | None, Query(description="Only open (true) or closed (false).")] = None,
    connection_id: QueryId = None,
    order: Annotated[
        str | None, Query(max_length=64, description="A marketplace order id.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Text in the discussion or order number, subject or customer id.",
        ),
    ] = None,
    window: Annotated[Window, Depends(DISCUSSIONS)],
) -> DiscussionList:
    """The inbox: discussions and claims of a view, the most urgent first (``sort=due``)."""
    now = request.app.state.clock.now()
    inbox = queries.InboxFilter(
        view=view,
        connection_id=connection_id,
        order_id=order,
        sort=window.sort,
        updated_since=window.updated_since,
        text=q,
    )
    with request.app.state.database.reading() as session:
        found = queries.inbox(
            session, inbox, now, offset=window.offset, limit=window.limit, is_open=open
        )
        total = queries.total(session, inbox, now, is_open=open)
        order_ids = queries.order_ids(session, found)
        items = [summary(item, order_ids, now) for item in found]
        counts = queries.counts(session, now, connection_id)
    return DiscussionList(
        items=items,
        counts=counts,
        **window.answer_total(request, total, shown=len(found)),
    )


@router.get("/discussions/{discussion_id}")
def discussion(request: Request, discussion_id: Id) -> DiscussionDetail:
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        found = queries.get(session, discussion_id)
        order_ids = queries.order_ids(session, [found])
        return DiscussionDetail.model_validate(
            {
                **summary(found, order_ids, now).model_dump(),
                "messages": [
                    MessageOut.model_validate(item, from_attributes=True) for item in found.messages
                ],
                "actions": [
                    action_out(item) for item in queries.actions_of(session, discussion_id=found.id)
                ],
                "previous_discussions": [
                    item.id for item in queries.previous_threads(session, found)
                ],
            }
        )


@router.post("/discussions/{discussion_id}/replies", status_code=202)
def reply(request: Request, discussion_id: Id, body: ReplyIn) -> ActionOut:
    """Record a reply to the customer and queue it; 422 naming the rule it breaks."""
    who = current_identity(request).email
    files = [writes.decode(item.file_name, item.content) for item in body.attachments]
    with request.app.state.database.session() as session:
        action = writes.reply(
            session, discussion_id, body.body, files, who=who, now=request.app.state.clock.now()
        )
        recorded = action_out(action)
    wake(request)
    return recorded


@router.post("/discussions/{discussion_id}/close", status_code=202)
def close(request: Request, discussion_id: Id) -> ActionOut:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        action = writes.close(session, discussion_id, who=who, now=request.app.state.clock.now())
        recorded = action_out(action)
    wake(request)
    return recorded


@router.post("/discussions/{discussion_id}/read", status_code=204)
def mark_read(request: Request, discussion_id: Id) -> None:
    """Mark the discussion read (in cdlink, and its last message on the marketplace)."""
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        writes.mark_read(session, discussion_id, who=who, now=request.app.state.clock.now())
    wake(request)


@router.put("/discussions/{discussion_id}/assignment")
def assign(request: Request, discussion_id: Id, body: AssignIn) -> DiscussionSummary:
    """Assign the discussion to a user (by email), or to nobody (null)."""
    now = request.app.state.clock.now()
    with request.app.state.database.session() as session:
        found = writes.assign(session, discussion_id, body.assigned_to)
        return summary(found, queries.order_ids(session, [found]), now)


def _actions_of(request: Request, kind: str, window: Window) -> ActionList:
    """One page of the recorded actions of one kind (refunds or gestures), newest first."""
    with request.app.state.database.reading() as session:
        found = queries.actions_by_kind(
            session,
            (kind,),
            offset=window.offset,
            limit=window.limit + 1,
            updated_since=window.updated_since,
            by_update=window.sort == "updated_at",
        )
        return ActionList(
            items=[action_out(item) for item in found[: window.limit]],
            **window.answer(request, more=len(found) > window.limit),
        )


@router.get("/refunds")
def refunds(request: Request, window: Annotated[Window, Depends(ACTIONS)]) -> ActionList:
    return _actions_of(request, cs_actions.REFUND, window)


@router.post("/refunds", status_code=202)
def refund(request: Request, body: RefundIn) -> ActionOut:
    """Refund an accepted order in full (a cancellation with a reason from the marketplace)."""
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        action = writes.refund(
            session,
            body.order_id,
            body.reason,
            body.discussion_id,
            who=who,
            now=request.app.state.clock.now(),
        )
        recorded = action_out(action)
    wake(request)
    return recorded


@router.get("/gestures")
def gestures(request: Request, window: Annotated[Window, Depends(ACTIONS)]) -> ActionList:
    return _actions_of(request, cs_actions.GESTURE, window)


@router.post("/gestures", status_code=202)
def gesture(request: Request, body: GestureIn) -> ActionOut:
    """Give part of a shipped order back (at most its allowed amount)."""
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        action = writes.gesture(
            session,
            body.order_id,
            body.amount,
            body.reason,
            details=body.details,
            discussion_id=body.discussion_id,
            who=who,
            now=request.app.state.clock.now(),
        )
        recorded = action_out(action)
    wake(request)
    return recorded


@router.post("/customer-service/actions/{action_id}/retry", status_code=202)
def retry(request: Request, action_id: Id) -> ActionOut:
    """Ask again for a failed reply, closing, refund or gesture."""
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        action = writes.retry(session, action_id, who=who, now=request.app.state.clock.now())
        recorded = action_out(action)
    wake(request)
    return recorded


@router.get("/returns")
def returns(
    request: Request,
    window: Annotated[Window, Depends(RETURNS)],
    connection_id: QueryId = None,
    order: Annotated[
        str | None, Query(max_length=64, description="A marketplace order id.")
    ] = None,
) -> ReturnList:
    """Returns of Octopia fulfilment orders (none exist for orders the seller ships)."""
    with request.app.state.database.reading() as session:
        found = list_returns(
            session,
            connection_id=connection_id,
            order_id=order,
            offset=window.offset,
            limit=window.limit + 1,
            updated_since=window.updated_since,
            by_update=window.sort == "updated_at",
        )
        return ReturnList(
            items=[
                ReturnOut.model_validate(i, from_attributes=True) for i in found[: window.limit]
            ],
            **window.answer(request, more=len(found) > window.limit),
        )
