"""The inbox pages: discussions and claims by view, one thread beside its order, and the forms
that reply, close, mark read, assign, refund and give a gesture.

Every form records and queues (``cdlink.web.customer_service.writes``); nothing here calls the
marketplace. A refund or a gesture is confirmed on a page stating exactly what the customer gets
back before it is recorded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service import queries
from cdlink.hub.customer_service import templates as reply_templates
from cdlink.hub.customer_service.returns import returns as list_returns
from cdlink.hub.customer_service.rules import (
    GESTURE_REASONS,
    MAX_ATTACHMENT_BYTES,
    Attachment,
    CustomerServiceError,
    check_gesture,
    check_refund,
)
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.hub.orders.queries import get_order
from cdlink.store.models import Order
from cdlink.web.customer_service import labels, writes
from cdlink.web.identity import current_identity
from cdlink.web.params import Id, Page, parse_id
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def _values(request: Request) -> dict[str, Any]:
    return {"labels": labels, "zone": request.app.state.settings.zone}


@router.get("/claims")
def claims() -> Response:
    return RedirectResponse("/inbox?view=claims", status_code=303)


@router.get("/inbox")
def inbox_page(
    request: Request,
    *,
    view: str = "open",
    sort: str = "due",
    connection: str = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Page = 1,
) -> Response:
    view = view if view in queries.FILTERS else "open"
    sort = sort if sort in queries.SORTS else "due"
    now = request.app.state.clock.now()
    inbox = queries.InboxFilter(
        view=view, connection_id=parse_id(connection), sort=sort, text=q or None
    )
    with request.app.state.database.reading() as session:
        found = queries.inbox(session, inbox, now, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        values = {
            **_values(request),
            "found": found,
            "orders": queries.order_ids(session, found),
            "timers": {item.id: queries.timers(item, now) for item in found},
            "counts": queries.counts(session, now, inbox.connection_id),
            "total": queries.total(session, inbox, now),
            "connections": {item.id: item.name for item in list_connections(session)},
            "chosen": {"view": view, "sort": sort, "connection": connection, "q": q},
            "page": page,
            "page_size": PAGE_SIZE,
            "returns": list_returns(session, limit=10) if view == "all" else [],
        }
    return render(request, "customer_service/inbox.html", values)


@router.get("/inbox/{discussion_id}")
def thread_page(
    request: Request, discussion_id: Id, template: str = "", template_language: str = ""
) -> Response:
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        discussion = queries.get(session, discussion_id)
        order = cs_actions.linked_order(session, discussion)
        sent = reply_templates.shipment(session, order) if order else None
        draft = ""
        if template in reply_templates.TEMPLATES:
            draft = reply_templates.fill(template, template_language, order, sent)
        values = {
            **_values(request),
            "discussion": discussion,
            "messages": list(discussion.messages),
            "timers": queries.timers(discussion, now),
            "order": order,
            "shipment": sent,
            "previous": queries.previous_threads(session, discussion),
            "actions": queries.actions_of(session, discussion_id=discussion.id),
            "draft": draft,
            "templates": reply_templates.TEMPLATES,
            **(_order_panel(session, order) if order else {}),
        }
        return render(request, "customer_service/thread.html", values)


def _order_panel(session: Any, order: Order) -> dict[str, Any]:
    return {
        "allowed_amount": cs_actions.allowed_amount(session, order),
        "gestured": cs_actions.gestured_amount(session, order.id),
        "refunded": cs_actions.refunded_amount(session, order.id),
        "refund_reasons": reasons_for(session, order.connection_id, order.status),
        "refundable": cs_actions.refundable_amount(session, order),
        "gesture_reasons": GESTURE_REASONS,
        "order_discussions": queries.discussions_of_order(session, order),
        "order_returns": list_returns(
            session, connection_id=order.connection_id, order_id=order.marketplace_order_id
        ),
        "order_cs_actions": queries.actions_of(session, order_id=order.id),
    }


def order_panel(session: Any, order: Order) -> dict[str, Any]:
    """What the order page shows of customer service (its discussions, refunds, gestures)."""
    return {**_order_panel(session, order), "labels": labels}


@router.post("/inbox/{discussion_id}/reply")
async def reply(
    request: Request,
    discussion_id: Id,
    body: Annotated[str, Form(max_length=20_000)],
    # A file field left empty comes as an empty text value, not a file.
    attachment: Annotated[list[UploadFile | str] | None, File()] = None,
) -> Response:
    files = [item for item in attachment or [] if isinstance(item, UploadFile) and item.filename]
    if len(files) > 3:
        raise CustomerServiceError(
            "attachment_count", translatable("a reply takes at most 3 attachments")
        )
    read = [
        Attachment(item.filename or "file", await item.read(MAX_ATTACHMENT_BYTES + 1))
        for item in files
    ]
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        writes.reply(session, discussion_id, body, read, who=who, now=request.app.state.clock.now())
    wake(request)
    return RedirectResponse(f"/inbox/{discussion_id}", status_code=303)


@router.post("/inbox/{discussion_id}/close")
def close(request: Request, discussion_id: Id) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        writes.close(session, discussion_id, who=who, now=request.app.state.clock.now())
    wake(request)
    return RedirectResponse(f"/inbox/{discussion_id}", status_code=303)


@router.post("/inbox/{discussion_id}/read")
def mark_read(request: Request, discussion_id: Id) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        writes.mark_read(session, discussion_id, who=who, now=request.app.state.clock.now())
    wake(request)
    return RedirectResponse(f"/inbox/{discussion_id}", status_code=303)


@router.post("/inbox/{discussion_id}/assign")
def assign(
    request: Request,
    discussion_id: Id,
    assigned_to: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    with request.app.state.database.session() as session:
        writes.assign(session, discussion_id, assigned_to.strip() or None)
    return RedirectResponse(f"/inbox/{discussion_id}", status_code=303)


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ".").strip())
    except InvalidOperation as error:
        raise CustomerServiceError(
            "gesture_amount",
            translatable("a gesture is a positive amount with at most two decimals"),
        ) from error


def _back(order_id: int, discussion: str) -> str:
    found = parse_id(discussion)
    return f"/inbox/{found}" if found else f"/orders/{order_id}"


@router.post("/inbox/orders/{order_id}/gesture")
def gesture(  # noqa: PLR0917  (one argument per field of the form)
    request: Request,
    order_id: Id,
    amount: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=80)],
    details: Annotated[str, Form(max_length=1000)] = "",
    discussion: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """First the confirmation of exactly what the customer gets back, then the request."""
    value = _amount(amount)
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        if confirm != "yes":
            # Checked now, so the confirmation never offers what would be refused.
            check_gesture(
                order.status, value, cs_actions.allowed_amount(session, order), reason, details
            )
            values = {
                **_values(request),
                "order": order,
                "kind": "gesture",
                "amount": value,
                "reason": reason,
                "details": details,
                "discussion": discussion,
            }
            return render(request, "customer_service/confirm.html", values)
        writes.gesture(
            session,
            order_id,
            value,
            reason,
            details=details or None,
            discussion_id=parse_id(discussion),
            who=who,
            now=request.app.state.clock.now(),
        )
    wake(request)
    return RedirectResponse(_back(order_id, discussion), status_code=303)


@router.post("/inbox/orders/{order_id}/refund")
def refund(
    request: Request,
    order_id: Id,
    reason: Annotated[str, Form(max_length=80)],
    discussion: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        if confirm != "yes":
            check_refund(order.status, reason, cs_actions.refund_reasons(session, order))
            values = {
                **_values(request),
                "order": order,
                "kind": "refund",
                "amount": cs_actions.refundable_amount(session, order),
                "reason": reason,
                "details": "",
                "discussion": discussion,
            }
            return render(request, "customer_service/confirm.html", values)
        writes.refund(
            session,
            order_id,
            reason,
            parse_id(discussion),
            who=who,
            now=request.app.state.clock.now(),
        )
    wake(request)
    return RedirectResponse(_back(order_id, discussion), status_code=303)


@router.post("/inbox/actions/{action_id}/retry")
def retry(request: Request, action_id: Id) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        again = writes.retry(session, action_id, who=who, now=request.app.state.clock.now())
        target = (
            f"/inbox/{again.discussion_id}" if again.discussion_id else f"/orders/{again.order_id}"
        )
    wake(request)
    return RedirectResponse(target, status_code=303)
