"""The Orders pages: the list (filters by status, dates, text, connection; pages) and one order.

The routes translate between HTTP and ``cdlink.hub.orders.queries`` /
``cdlink.sync.orders.actions``: an action posted from the detail is recorded and queued, and the
page shows it as pending until the sync engine has sent it and read the order back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.dashboard.figures import DUE_SOON
from cdlink.hub.orders import actions as order_actions
from cdlink.hub.orders import payment_methods, shipments
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.hub.orders.deadlines import acceptance_urgency
from cdlink.hub.orders.queries import OrderFilter, get_order, list_orders
from cdlink.hub.orders.stock import reservations_of
from cdlink.store.models import Order
from cdlink.sync.orders.actions import request_action
from cdlink.sync.orders.timeline import timeline
from cdlink.web.customer_service import pages as customer_service
from cdlink.web.finance import pages as finance
from cdlink.web.identity import current_identity
from cdlink.web.orders import carriers, delivery_modes
from cdlink.web.params import Id, Page, parse_id
from cdlink.web.placeholders import coming_page
from cdlink.web.runtime import wake
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
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # a malformed date (or beyond year 9999) filters nothing, never fails


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
    page: Page = 1,
) -> Response:
    zone = request.app.state.settings.zone
    now = request.app.state.clock.now()
    due = due if due in DUE_FILTERS else ""
    order_filter = OrderFilter(
        connection_id=parse_id(connection),
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
        labels = payment_methods.all_labels(session)
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
        "csv_query": _csv_query(chosen),
        "now": now,
        "zone": zone,
        "urgency": {order.id: acceptance_urgency(order, now) for order in found.orders},
        "payment_labels": {
            order.id: labels.get((order.connection_id, order.payment_method or ""))
            for order in found.orders
        },
    }
    return render(request, "orders/list.html", values)


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: Id) -> Response:
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        order = get_order(session, order_id)
        actions = order_actions.actions_of(session, order_id)
        connections = {item.id: item.name for item in list_connections(session)}
        reserved = reservations_of(session, order)
        labels = payment_methods.labels(session, order.connection_id)
        values = {
            "order": order,
            "actions": actions,
            # Accepted or refused on the marketplace's answer, the new status still to come.
            "awaiting": [
                action for action in actions if order_actions.awaiting_status(action, order)
            ],
            "connection_name": connections.get(order.connection_id, ""),
            "now": now,
            "zone": request.app.state.settings.zone,
            "can": {kind: order_actions.allowed(order, kind) for kind in order_actions.ACTIONS},
            "reasons": reasons_for(session, order.connection_id, order.status),
            "payment_label": labels.get(order.payment_method or ""),
            "timeline": timeline(session, order, actions),
            "urgency": acceptance_urgency(order, now),
            "reserved": reserved,
            "delivery": delivery_modes.describe(order),
            "carriers": None,  # read by the form once shown (``/orders/{id}/carriers``)
            **customer_service.order_panel(session, order),
            **finance.order_panel(session, order),
            **_shipping(session, order),
        }
        return render(request, "orders/detail.html", values)


@router.get("/orders/{order_id}/carriers")
def carrier_field(request: Request, order_id: Id) -> Response:
    """The ship form's carrier field: a list from the marketplace, or a text field if unreadable."""
    with request.app.state.database.reading() as session:
        connection_id = get_order(session, order_id).connection_id
    found = carriers.labels(request, connection_id)
    return render(request, "orders/_carrier_field.html", {"carriers": found or []})


@router.post("/orders/{order_id}/actions")
def order_action(
    request: Request,
    order_id: Id,
    kind: Annotated[str, Form()],
    *,
    reason: Annotated[str, Form()] = "",
    carrier: Annotated[str, Form()] = "",
    tracking_number: Annotated[str, Form()] = "",
    tracking_url: Annotated[str, Form()] = "",
    line: Annotated[list[str] | None, Form()] = None,
    parcel_line: Annotated[list[str] | None, Form()] = None,
) -> Response:
    identity = current_identity(request)
    shipment = {
        "carrier": carrier.strip(),
        "tracking_number": tracking_number.strip(),
        "tracking_url": tracking_url.strip(),
    }
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        payload: dict[str, object] = {"reason": reason} if reason else {}
        if line:
            payload["lines"] = line
        if kind == order_actions.SHIP:  # blank fields left out: the check names what lacks
            payload.update({name: value for name, value in shipment.items() if value})
            if parcel_line:  # one parcel of some lines (several parcels allowed)
                payload = {"parcels": [{**payload, "lines": parcel_line}]}
        request_action(
            session,
            order,
            kind,
            payload,
            requested_by=identity.email,
            now=request.app.state.clock.now(),
        )
    wake(request)
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


def _shipping(session: Session, order: Order) -> dict[str, object]:
    """The order's shipments, and what the ship form offers (``orders/_shipments.html``)."""
    shipped = shipments.shipped_line_ids(session, order.id)
    open_ids = shipments.open_line_ids(order)
    return {
        "shipments": shipments.shipments_of(session, order.id),
        "several_parcels": shipments.several_parcels(session, order.connection_id),
        "unshipped_lines": [
            line for line in order.lines if line.line_id in open_ids and line.line_id not in shipped
        ],
        "line_titles": {
            line.line_id: line.product_title or line.seller_sku or line.line_id
            for line in order.lines
        },
    }


def _csv_query(chosen: Mapping[str, str | None]) -> str:
    """The page's filters as ``GET /api/v1/orders.csv`` takes them (its download buttons)."""
    names = {"status": "status", "connection": "connection_id", "q": "q"}
    names |= {"purchased_from": "purchased_from", "purchased_to": "purchased_to"}
    return urlencode({names[key]: value for key, value in chosen.items() if value and key in names})
