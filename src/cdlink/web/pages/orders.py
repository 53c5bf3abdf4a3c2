"""The Orders pages: the list (filters by status, dates, text, connection; pages) and one order.

The routes translate between HTTP and ``hub.order_queries`` / ``sync.order_actions``: an action
posted from the detail is recorded and queued, and the page shows it as pending until the sync
engine has sent it and read the order back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.hub import order_actions
from cdlink.hub.connections import list_connections
from cdlink.hub.dashboard import DUE_SOON
from cdlink.hub.order_queries import OrderFilter, get_order, list_orders
from cdlink.store.models import Order
from cdlink.sync.order_actions import request_action
from cdlink.web.identity import current_identity
from cdlink.web.pages.shell import coming_page
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
STATUSES = (
    "WaitingAcceptance",
    "Accepted",
    "InPreparation",
    "Shipped",
    "Delivered",
    "Refused",
    "Cancelled",
)
PAGE_SIZE = 25
# Past this many matching orders the list says "more than …" rather than counting them all.
COUNT_LIMIT = 10_000
# The dashboard's deadline links: ?due=acceptance-late, acceptance-soon or shipping-late.
DUE_FILTERS = ("acceptance-late", "acceptance-soon", "shipping-late")


def _day(text: str | None, zone: tzinfo, *, end: bool = False) -> datetime | None:
    """A date from a filter field (YYYY-MM-DD) as the start of that day, or of the next, in the
    seller's time zone (the one the list shows times in).
    """
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None  # a malformed date filters nothing rather than failing the page
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _statuses(text: str) -> tuple[str, ...]:
    """One status, or several separated by commas (the dashboard's "to ship" link)."""
    return tuple(part for part in text.split(",") if part)


def _due(due: str, now: datetime) -> dict[str, datetime]:
    """The deadline bounds of a ``due`` link; the statuses come with the link itself."""
    if due == "acceptance-late":
        return {"acceptance_to": now}
    if due == "acceptance-soon":
        return {"acceptance_from": now, "acceptance_to": now + DUE_SOON}
    if due == "shipping-late":
        return {"shipping_to": now}
    return {}


@router.get("/orders")
def orders_page(  # noqa: PLR0917  (one argument per filter of the form)
    request: Request,
    status: str = "",
    connection: str = "",
    q: str = "",
    purchased_from: str = "",
    purchased_to: str = "",
    due: str = "",
    page: int = 1,
) -> Response:
    zone = request.app.state.settings.zone
    now = request.app.state.clock.now()
    due = due if due in DUE_FILTERS else ""
    order_filter = OrderFilter(
        connection_id=int(connection) if connection.isdigit() else None,
        statuses=_statuses(status),
        purchased_from=_day(purchased_from, zone),
        purchased_to=_day(purchased_to, zone, end=True),
        text=q or None,
        **_due(due, now),
    )
    with request.app.state.database.reading() as session:
        found = list_orders(
            session, order_filter, page=page, page_size=PAGE_SIZE, count_limit=COUNT_LIMIT
        )
        connections = {item.id: item.name for item in list_connections(session)}
    filtered = any((status, connection, q, purchased_from, purchased_to, due))
    if found.total == 0 and not filtered:
        return coming_page(request, "orders")
    chosen = {
        "status": status,
        "connection": connection,
        "q": q,
        "purchased_from": purchased_from,
        "purchased_to": purchased_to,
        "due": due,
    }
    values = {
        "found": found,
        "statuses": STATUSES,
        "connections": connections,
        "chosen": chosen,
        "query": urlencode({key: value for key, value in chosen.items() if value}),
        "now": now,
        "zone": zone,
    }
    return render(request, "orders/list.html", values)


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: int) -> Response:
    with request.app.state.database.reading() as session:
        order = get_order(session, order_id)
        actions = order_actions.actions_of(session, order_id)
        connections = {item.id: item.name for item in list_connections(session)}
        can = {
            kind: _allowed(order, kind)
            for kind in (order_actions.ACCEPT, order_actions.REFUSE, order_actions.CANCEL)
        }
    values = {
        "order": order,
        "actions": actions,
        "connection_name": connections.get(order.connection_id, ""),
        "now": request.app.state.clock.now(),
        "zone": request.app.state.settings.zone,
        "can": can,
    }
    return render(request, "orders/detail.html", values)


@router.post("/orders/{order_id}/actions")
def order_action(
    request: Request,
    order_id: int,
    kind: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    identity = current_identity(request)
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        payload = {"reason": reason} if reason else {}
        request_action(
            session,
            order,
            kind,
            payload,
            requested_by=identity.email,
            now=request.app.state.clock.now(),
        )
    runtime = getattr(request.app.state, "sync_runtime", None)
    if runtime is not None:
        runtime.wake()
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


def _allowed(order: Order, kind: str) -> bool:
    try:
        order_actions.check(order, kind, {"reason": "-"})
    except order_actions.OrderActionError:
        return False
    return True
