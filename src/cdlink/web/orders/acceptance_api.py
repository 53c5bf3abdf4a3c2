"""``/api/v1/connections/{id}/order-settings`` and ``…/carriers``: how a connection's orders are
accepted, and the carriers its shipments may name.

Switching automatic refusal on never refuses the orders already waiting unless the caller says
so: ``GET …/order-settings/backlog`` counts them, and ``PUT …/order-settings`` refuses them only
with ``refuse_backlog: true`` (``docs/orders.md``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.orders import actions as order_actions
from cdlink.sync.orders import backlog
from cdlink.web.orders import carriers
from cdlink.web.params import Id, StrictFlag
from cdlink.web.runtime import wake

router = APIRouter(prefix="/connections", tags=["orders"])


class OrderSettingsOut(BaseModel):
    acceptance: Literal["manual", "in_stock", "always"] = Field(
        description="manual: the seller decides; in_stock: accepted when the connection's "
        "available stock covers every line (then reserved); always: every order accepted."
    )
    auto_refuse: bool = Field(
        description="With in_stock: refuse an order the stock does not cover (else the seller "
        "decides). Only shortages of SKUs whose stock is entered in the connection's warehouses "
        "are refused; an order with a SKU never counted there waits for the seller."
    )
    auto_refuse_since: datetime | None = Field(
        default=None,
        description="When automatic refusal was switched on: it refuses the orders imported "
        "since then. None while it is off.",
    )


class OrderSettingsIn(BaseModel):
    acceptance: Literal["manual", "in_stock", "always"]
    auto_refuse: StrictFlag | None = Field(default=None, description="Omitted: unchanged.")
    refuse_backlog: StrictFlag = Field(
        default=False,
        description="Also refuse, now, the orders already waiting that the stock does not cover "
        "(see GET …/order-settings/backlog for how many). False (the default): automatic "
        "refusal applies to new orders only and the waiting ones are left to the seller.",
    )


class OrderSettingsSaved(OrderSettingsOut):
    backlog_refused: int = Field(description="Waiting orders refused now (refuse_backlog).")
    backlog_waiting: int = Field(
        description="Waiting orders automatic refusal would refuse but leaves to the seller, "
        "because refuse_backlog was not sent."
    )


class BacklogOrderOut(BaseModel):
    id: int
    marketplace_order_id: str
    reason: str = Field(description="Which SKU lacks how many units.")


class BacklogOut(BaseModel):
    would_refuse: int = Field(
        description="Orders waiting for acceptance that automatic refusal would refuse if it "
        "applied to them now."
    )
    orders: list[BacklogOrderOut]


class CarriersOut(BaseModel):
    carriers: list[str] = Field(description="Labels a shipment may name as its carrier.")


@router.get("/{connection_id}/order-settings")
def read_settings(request: Request, connection_id: Id) -> OrderSettingsOut:
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        policy = order_actions.acceptance_policy(session, connection_id)
    return OrderSettingsOut.model_validate(policy, from_attributes=True)


@router.get("/{connection_id}/order-settings/backlog")
def read_backlog(request: Request, connection_id: Id) -> BacklogOut:
    """The waiting orders a ``refuse_backlog`` would refuse now: look before switching on."""
    state = request.app.state
    with state.database.reading() as session:
        get_connection(session, connection_id)
        found = backlog.preview(session, connection_id, state.clock)
    orders = [BacklogOrderOut.model_validate(item, from_attributes=True) for item in found]
    return BacklogOut(would_refuse=len(orders), orders=orders)


@router.put("/{connection_id}/order-settings")
def write_settings(
    request: Request, connection_id: Id, body: OrderSettingsIn
) -> OrderSettingsSaved:
    """Set the policy. Switching automatic refusal on applies it to orders imported from now on;
    the orders already waiting are refused too only with ``refuse_backlog: true``."""
    state = request.app.state
    with state.database.session() as session:
        get_connection(session, connection_id)
        policy = order_actions.set_acceptance_policy(
            session,
            connection_id,
            body.acceptance,
            state.clock.now(),
            auto_refuse=body.auto_refuse,
        )
        refused = waiting = 0
        if policy.refuses and body.refuse_backlog:
            refused = backlog.refuse_backlog(session, connection_id, state.clock)
        elif policy.refuses:
            waiting = len(backlog.preview(session, connection_id, state.clock))
    if refused:
        wake(request)
    out = OrderSettingsOut.model_validate(policy, from_attributes=True)
    return OrderSettingsSaved(**out.model_dump(), backlog_refused=refused, backlog_waiting=waiting)


@router.get("/{connection_id}/carriers")
def list_carriers(request: Request, connection_id: Id) -> CarriersOut:
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
    found = carriers.labels(request, connection_id)
    if found is None:
        raise carriers.CarriersUnavailableError(
            "the carriers have not been read from Cdiscount yet"
        )
    return CarriersOut(carriers=found)
