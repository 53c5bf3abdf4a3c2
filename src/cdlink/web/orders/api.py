"""``/api/v1/orders``: the imported orders, one order's detail, and the seller's actions.

Actions are recorded and queued here (``cdlink.sync.orders.actions.request_action``); the sync
engine sends them. The answer is the recorded action (``pending``); its outcome appears on the
order's detail once the engine has sent it and read the order back.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from cdlink.hub.orders import actions as order_actions
from cdlink.hub.orders import payment_methods
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.hub.orders.deadlines import acceptance_deadline_estimated, acceptance_urgency
from cdlink.hub.orders.import_filters import ORDER_STATUSES
from cdlink.hub.orders.queries import SORTS, OrderFilter, get_order, list_orders
from cdlink.hub.orders.shipments import shipments_of
from cdlink.hub.orders.stock import describe, reservations_of
from cdlink.store.models import Order, OrderAction
from cdlink.sync.orders.actions import request_action
from cdlink.sync.orders.timeline import timeline
from cdlink.web.identity import current_identity
from cdlink.web.listing import Listing, PagedListOut, Window, example
from cdlink.web.params import DATE_BOUND_HELP, Id, QueryId, choices, date_bound
from cdlink.web.runtime import wake

router = APIRouter(prefix="/orders", tags=["orders"])
LISTING = Listing(tuple(SORTS), pages=True)
STATUS_HELP = ", ".join(ORDER_STATUSES)


#: An order as the list shows it (OpenAPI's example of an order and of the orders list).
ORDER_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "connection_id": 1,
    "marketplace_order_id": "2612051234ABCD",
    "reference": None,
    "status": "WaitingForShipmentAcceptation",
    "purchased_at": "2026-12-05T08:12:00Z",
    "customer_name": "Camille Martin",
    "currency": "EUR",
    "total_amount": "59.90",
    "acceptance_deadline": "2026-12-07T08:12:00Z",
    "acceptance_deadline_estimated": True,
    "acceptance_urgency": "on_time",
    "shipping_deadline": "2026-12-09T18:00:00Z",
    "shipping_deadline_estimated": False,
    "marketplace_updated_at": "2026-12-05T08:13:02Z",
    "updated_at": "2026-12-05T08:15:40Z",
    "payment_method": "CB",
    "payment_method_label": "Carte bancaire",
}


class OrderSummary(BaseModel):
    model_config = example(ORDER_EXAMPLE)

    id: int
    connection_id: int
    marketplace_order_id: str
    reference: str | None
    status: str
    purchased_at: datetime | None
    customer_name: str | None
    currency: str
    total_amount: Decimal | None
    acceptance_deadline: datetime | None
    acceptance_deadline_estimated: bool = Field(
        default=False,
        description="True: the acceptance deadline is cdlink's estimate (48 h after the "
        "purchase); the marketplace sends none.",
    )
    acceptance_urgency: Literal["overdue", "soon", "on_time"] | None = Field(
        default=None, description="For orders waiting for acceptance: soon = under 12 hours."
    )
    shipping_deadline: datetime | None
    shipping_deadline_estimated: bool = Field(
        default=False,
        description="True: the marketplace sent no shipping deadline and shipping_deadline is "
        "cdlink's estimate (2 days after the estimated acceptance deadline).",
    )
    marketplace_updated_at: datetime
    updated_at: datetime = Field(description="Last changed in cdlink (``updated_since``).")
    payment_method: str | None = Field(default=None, description="The marketplace's value.")
    payment_method_label: str | None = Field(
        default=None, description="The seller's label of it (the raw value when none is set)."
    )


class LineOut(BaseModel):
    line_id: str
    status: str | None
    quantity: int
    seller_sku: str | None
    product_title: str | None
    gtin: str | None
    supply_mode: str | None
    unit_price: Decimal
    shipping_cost: Decimal
    total_amount: Decimal
    commission_amount: Decimal | None
    commission_rate: Decimal | None
    taxes: list[dict[str, Any]]
    stock_shipped: int = Field(description="Units its shipment took from on-hand.")


class EventOut(BaseModel):
    line_id: str | None
    previous_status: str | None
    status: str
    changed_at: datetime


class ActionOut(BaseModel):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    outcome: str | None
    requested_by: str | None
    requested_at: datetime
    finished_at: datetime | None
    awaiting_status: bool = Field(
        False,
        description="The marketplace confirmed this accept or refuse, and the order's status "
        "is still the one it was asked from: its new status comes with the next orders sync.",
    )


class StockIssueOut(BaseModel):
    """Why stock did not cover the order, or units missing when it shipped."""

    kind: Literal["short", "unknown_sku", "no_sku", "unmanaged", "missing_at_shipment"]
    message: str
    sku: str | None = None
    line: str | None = None
    wanted: int | None = None
    available: int | None = None
    missing: int | None = None


class SyncEventOut(BaseModel):
    kind: str = Field(
        description="imported, updated, ignored (older version), quarantined, action, "
        "auto_accepted or auto_refused (with the reason in details)"
    )
    stream: str | None
    run_id: int | None = None
    at: datetime
    changed_fields: list[str] = Field(default_factory=list)
    details: str | None = None


class OrderDetail(OrderSummary):
    #: Not the list item's example (it would lack this model's fields).
    model_config = ConfigDict(json_schema_extra=None)

    sales_channel: str | None
    customer_email: str | None
    offer_amount: Decimal | None
    service_fees_amount: Decimal
    service_fees: list[dict[str, Any]]
    billing_address: dict[str, Any] | None
    shipping_address: dict[str, Any] | None
    lines: list[LineOut]
    events: list[EventOut]
    actions: list[ActionOut]
    reserved: dict[str, int] = Field(description="Units the order holds now, per SKU.")
    stock_issues: list[StockIssueOut]
    sync_events: list[SyncEventOut]
    shipments: list[ShipmentOut] = Field(description="Ship actions and their parcels, by age.")


class ReasonOut(BaseModel):
    code: str
    label: str | None


class OrderList(PagedListOut):
    items: list[OrderSummary]
    total: int = Field(description="Matching orders (deprecated: costly on big shops).")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [ORDER_EXAMPLE],
                    "limit": 50,
                    "next_cursor": "eyJmIjoiYTFiMmMzZDQiLCJsIjo1MCwibyI6NTAsInYiOjF9",
                    "next": "https://cdlink.example/api/v1/orders?limit=50&cursor=eyJmIjoi…",
                    "total": 731,
                    "page": 1,
                    "page_size": 50,
                }
            ]
        }
    )


class ParcelLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: str = Field(min_length=1, max_length=64)
    quantity: int | None = Field(
        default=None, ge=1, le=100_000, description="Units (a line ships whole; checked)."
    )


class ParcelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(
        max_length=200,
        description="A carrier name mapped in /api/v1/carrier-mappings, or a Cdiscount label.",
        examples=["colissimo"],
    )
    tracking_number: str = Field(max_length=200, description="The parcel number (1-50 chars).")
    tracking_url: str | None = Field(
        default=None, max_length=500, description="Optional: filled from the mapping's template."
    )
    lines: list[ParcelLineIn] | None = Field(
        default=None,
        max_length=500,
        description="The lines it carries; omitted: every line not shipped yet (one parcel only).",
    )


class ParcelOut(BaseModel):
    carrier: str
    tracking_number: str
    tracking_url: str | None
    line_ids: list[str]


class ShipmentOut(BaseModel):
    action_id: int
    state: str = Field(description="pending, done or failed (outcome says why)")
    requested_at: datetime
    requested_by: str | None
    outcome: str | None
    parcels: list[ParcelOut]


class ActionIn(BaseModel):
    kind: Literal["accept", "refuse", "ship", "cancel", "cancel_lines", "resync"]
    reason: str | None = Field(default=None, examples=["CustomerRequest"])
    lines: list[str] = Field(default_factory=list, description="For cancel_lines: line ids.")
    carrier: str | None = Field(
        default=None, description="For ship: a carrier label.", examples=["Colissimo"]
    )
    tracking_number: str | None = Field(default=None, description="For ship: the parcel number.")
    tracking_url: str | None = Field(default=None, description="For ship (optional).")
    parcels: list[ParcelIn] | None = Field(
        default=None,
        max_length=20,
        description="For ship: the parcels with their lines (instead of carrier and "
        "tracking_number). Cdiscount takes one parcel per complete order unless the "
        "connection allows several.",
    )


def _summary(item: Order, labels: dict[tuple[int, str], str], now: datetime) -> OrderSummary:
    summary = OrderSummary.model_validate(item, from_attributes=True)
    summary.acceptance_urgency = acceptance_urgency(item, now)  # type: ignore[assignment]  # a known value
    summary.acceptance_deadline_estimated = acceptance_deadline_estimated(item)
    if item.payment_method is not None:
        summary.payment_method_label = labels.get(
            (item.connection_id, item.payment_method), item.payment_method
        )
    return summary


@router.get("")
def orders(
    request: Request,
    *,
    connection_id: QueryId = None,
    status: Annotated[
        list[str],
        Query(description="Marketplace statuses, repeated or comma separated: " + STATUS_HELP),
    ] = [],  # noqa: B006  (FastAPI copies a default)
    purchased_from: Annotated[
        str | None, Query(description="Bought at or after. " + DATE_BOUND_HELP)
    ] = None,
    purchased_to: Annotated[
        str | None, Query(description="Bought before (a day: that whole day). " + DATE_BOUND_HELP)
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Order id, reference, customer.")
    ] = None,
    window: Annotated[Window, Depends(LISTING)],
) -> OrderList:
    """Orders, newest purchase first, filtered by connection, status, purchase dates and text
    (the list convention of docs/api.md: ``sort=updated_at`` with ``updated_since`` to sync)."""
    with request.app.state.database.reading() as session:
        found = list_orders(
            session,
            order_filter(
                request,
                connection_id=connection_id,
                status=status,
                purchased_from=purchased_from,
                purchased_to=purchased_to,
                q=q,
                updated_since=window.updated_since,
            ),
            page=window.page,
            page_size=window.limit,
            sort=window.sort,
        )
        labels = payment_methods.all_labels(session)
        now = request.app.state.clock.now()
        items = [_summary(item, labels, now) for item in found.orders]
    return OrderList(
        items=items,
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        **window.answer(request, more=found.has_next),
    )


def order_filter(
    request: Request,
    *,
    connection_id: int | None,
    status: list[str],
    purchased_from: str | None,
    purchased_to: str | None,
    q: str | None,
    updated_since: datetime | None,
) -> OrderFilter:
    """The hub's filter of the orders list (and of its CSV export)."""
    zone = request.app.state.settings.zone
    return OrderFilter(
        connection_id,
        choices(status, "status", ORDER_STATUSES),
        date_bound(purchased_from, "purchased_from", zone),
        date_bound(purchased_to, "purchased_to", zone, end=True),
        q,
        updated_since=updated_since,
    )


@router.get("/{order_id}")
def order(request: Request, order_id: Id) -> OrderDetail:
    with request.app.state.database.reading() as session:
        return _detail(session, get_order(session, order_id), request.app.state.clock.now())


@router.get("/{order_id}/cancellation-reasons")
def order_reasons(request: Request, order_id: Id) -> list[ReasonOut]:
    """The reasons the marketplace offers to cancel this order now (empty until fetched)."""
    with request.app.state.database.reading() as session:
        item = get_order(session, order_id)
        return [
            ReasonOut(code=reason.code, label=reason.label)
            for reason in reasons_for(session, item.connection_id, item.status)
        ]


@router.post("/{order_id}/actions", status_code=202)
def act(request: Request, order_id: Id, body: ActionIn) -> ActionOut:
    """Record an action and queue it; 409 when the order's status does not allow it."""
    identity = current_identity(request)
    payload: dict[str, Any] = {}
    if body.reason:
        payload["reason"] = body.reason
    if body.lines:
        payload["lines"] = body.lines
    for name in ("carrier", "tracking_number", "tracking_url"):
        if getattr(body, name):
            payload[name] = getattr(body, name)
    if body.parcels is not None:
        payload["parcels"] = [parcel.model_dump(exclude_none=True) for parcel in body.parcels]
    with request.app.state.database.session() as session:
        action = request_action(
            session,
            get_order(session, order_id),
            body.kind,
            payload,
            requested_by=identity.email,
            now=request.app.state.clock.now(),
        )
        recorded = ActionOut.model_validate(action, from_attributes=True)
    wake(request)  # the embedded runtime sends it at once rather than at its next tick
    return recorded


def _action_out(action: OrderAction, order: Order) -> ActionOut:
    awaiting = order_actions.awaiting_status(action, order)
    found = ActionOut.model_validate(action, from_attributes=True)
    return found.model_copy(update={"awaiting_status": awaiting})


def _detail(session: Session, item: Order, now: datetime) -> OrderDetail:
    actions: list[OrderAction] = order_actions.actions_of(session, item.id)
    labels = {
        (item.connection_id, method): label
        for method, label in payment_methods.labels(session, item.connection_id).items()
    }
    return OrderDetail.model_validate(
        {
            **_summary(item, labels, now).model_dump(),
            **{
                name: getattr(item, name)
                for name in (
                    "sales_channel",
                    "customer_email",
                    "offer_amount",
                    "service_fees_amount",
                    "service_fees",
                    "billing_address",
                    "shipping_address",
                )
            },
            "lines": [LineOut.model_validate(line, from_attributes=True) for line in item.lines],
            "events": [EventOut.model_validate(e, from_attributes=True) for e in item.events],
            "actions": [_action_out(action, item) for action in actions],
            "reserved": reservations_of(session, item),
            "stock_issues": [
                {**issue, "message": describe(issue)} for issue in item.stock_issues or []
            ],
            "sync_events": _sync_events(session, item, actions),
            "shipments": [asdict(shipment) for shipment in shipments_of(session, item.id)],
        }
    )


def _sync_events(session: Session, item: Order, actions: list[OrderAction]) -> list[SyncEventOut]:
    """What the engine did to the order: imports and updates, quarantine, actions; by time."""
    return [
        SyncEventOut(
            kind=entry.kind,
            stream=entry.stream,
            run_id=entry.run_id,
            at=entry.at,
            changed_fields=entry.changed_fields,
            details=entry.details,
        )
        for entry in timeline(session, item, actions)
    ]
