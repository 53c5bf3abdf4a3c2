"""``/api/v1/orders``: the imported orders, one order's detail, and the seller's actions.

Actions are recorded and queued here (``cdlink.sync.order_actions.request_action``); the sync
engine sends them. The answer is the recorded action (``pending``); its outcome appears on the
order's detail once the engine has sent it and read the order back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cdlink.hub import order_actions
from cdlink.hub.order_queries import OrderFilter, get_order, list_orders
from cdlink.hub.order_stock import describe, reservations_of
from cdlink.store.models import Order, OrderAction
from cdlink.sync.order_actions import request_action
from cdlink.web.identity import current_identity

router = APIRouter(prefix="/orders", tags=["orders"])


class OrderSummary(BaseModel):
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
    shipping_deadline: datetime | None
    marketplace_updated_at: datetime


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


class StockIssueOut(BaseModel):
    """Why stock did not cover the order, or units missing when it shipped."""

    kind: Literal["short", "unknown_sku", "no_sku", "missing_at_shipment"]
    message: str
    sku: str | None = None
    line: str | None = None
    wanted: int | None = None
    available: int | None = None
    missing: int | None = None


class OrderDetail(OrderSummary):
    sales_channel: str | None
    payment_method: str | None
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


class OrderList(BaseModel):
    items: list[OrderSummary]
    total: int
    page: int
    page_size: int


class ActionIn(BaseModel):
    kind: Literal["accept", "refuse", "ship", "cancel", "cancel_lines", "resync"]
    reason: str | None = Field(default=None, examples=["CustomerRequest"])
    lines: list[str] = Field(default_factory=list, description="For cancel_lines: line ids.")
    carrier: str | None = Field(
        default=None, description="For ship: a carrier label.", examples=["Colissimo"]
    )
    tracking_number: str | None = Field(default=None, description="For ship: the parcel number.")
    tracking_url: str | None = Field(default=None, description="For ship (optional).")


@router.get("")
def orders(
    request: Request,
    *,
    connection_id: int | None = None,
    status: list[str] = Query(default_factory=list),  # noqa: B008  (FastAPI's way)
    purchased_from: datetime | None = None,
    purchased_to: datetime | None = None,
    q: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> OrderList:
    """Orders, newest purchase first, filtered by connection, status, purchase dates and text."""
    order_filter = OrderFilter(connection_id, tuple(status), purchased_from, purchased_to, q)
    with request.app.state.database.reading() as session:
        found = list_orders(session, order_filter, page=page, page_size=page_size)
        items = [OrderSummary.model_validate(item, from_attributes=True) for item in found.orders]
    return OrderList(items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.get("/{order_id}")
def order(request: Request, order_id: int) -> OrderDetail:
    with request.app.state.database.reading() as session:
        return _detail(session, get_order(session, order_id))


@router.post("/{order_id}/actions", status_code=202)
def act(request: Request, order_id: int, body: ActionIn) -> ActionOut:
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
    runtime = getattr(request.app.state, "sync_runtime", None)
    if runtime is not None:
        runtime.wake()  # the embedded runtime sends it at once rather than at its next tick
    return recorded


def _detail(session: Session, item: Order) -> OrderDetail:
    actions: list[OrderAction] = order_actions.actions_of(session, item.id)
    return OrderDetail.model_validate(
        {
            **OrderSummary.model_validate(item, from_attributes=True).model_dump(),
            **{
                name: getattr(item, name)
                for name in (
                    "sales_channel",
                    "payment_method",
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
            "actions": [ActionOut.model_validate(a, from_attributes=True) for a in actions],
            "reserved": reservations_of(session, item),
            "stock_issues": [
                {**issue, "message": describe(issue)} for issue in item.stock_issues or []
            ],
        }
    )
