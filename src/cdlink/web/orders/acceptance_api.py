"""``/api/v1/connections/{id}/order-settings`` and ``…/carriers``: how a connection's orders are
accepted, and the carriers its shipments may name."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.orders import actions as order_actions
from cdlink.web.orders import carriers
from cdlink.web.params import Id, StrictFlag

router = APIRouter(prefix="/connections", tags=["orders"])


class OrderSettingsOut(BaseModel):
    acceptance: Literal["manual", "in_stock", "always"] = Field(
        description="manual: the seller decides; in_stock: accepted when the connection's "
        "available stock covers every line (then reserved); always: every order accepted."
    )
    auto_refuse: bool = Field(
        description="With in_stock: refuse an order stock does not cover (else the seller decides)."
    )


class OrderSettingsIn(BaseModel):
    acceptance: Literal["manual", "in_stock", "always"]
    auto_refuse: StrictFlag | None = Field(default=None, description="Omitted: unchanged.")


class CarriersOut(BaseModel):
    carriers: list[str] = Field(description="Labels a shipment may name as its carrier.")


@router.get("/{connection_id}/order-settings")
def read_settings(request: Request, connection_id: Id) -> OrderSettingsOut:
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        policy = order_actions.acceptance_policy(session, connection_id)
    return OrderSettingsOut.model_validate(policy, from_attributes=True)


@router.put("/{connection_id}/order-settings")
def write_settings(request: Request, connection_id: Id, body: OrderSettingsIn) -> OrderSettingsOut:
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
    return OrderSettingsOut.model_validate(policy, from_attributes=True)


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
