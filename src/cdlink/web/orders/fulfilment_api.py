"""``/api/v1/carrier-mappings`` and ``/api/v1/fulfilment-settings``: how a connection ships.

- ``carrier-mappings``: the seller's carrier names → Cdiscount carrier labels with tracking-link
  templates (``cdlink.hub.orders.carrier_mappings``); GET lists the seller's rows and the
  prefilled defaults, PUT replaces the seller's rows;
- ``fulfilment-settings``: whether the marketplace takes several parcels per order for the
  connection (one parcel per complete order otherwise).

Neither calls the marketplace: labels are checked against the cache the ``carriers`` stream keeps.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.orders import carrier_mappings as hub
from cdlink.hub.orders.shipments import ONE_PARCEL_RULE, set_several_parcels, several_parcels
from cdlink.web.params import MAXIMUM_ID, StrictFlag

router = APIRouter(tags=["fulfilment"])
ConnectionQuery = Annotated[
    int, Query(ge=1, le=MAXIMUM_ID, description="The connection (``/api/v1/connections``).")
]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, description="Your carrier name or code.", examples=["colis"])
    carrier_label: str = Field(
        max_length=200, description="A Cdiscount carrier label.", examples=["Colissimo"]
    )
    tracking_url_template: str | None = Field(
        default=None,
        max_length=500,
        description="Tracking link; {tracking} marks the parcel number.",
        examples=["https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}"],
    )


class MappingOut(BaseModel):
    name: str
    carrier_label: str
    tracking_url_template: str | None
    default: bool = Field(description="Prefilled by cdlink (not saved by you).")


class MappingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[MappingIn] = Field(max_length=500)


class MappingsOut(BaseModel):
    connection_id: int
    items: list[MappingOut]


class FulfilmentSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    several_parcels: StrictFlag = Field(
        description="Whether Cdiscount takes several parcels per order for this connection."
    )


class FulfilmentSettingsOut(BaseModel):
    connection_id: int
    several_parcels: bool
    rule: str | None = Field(description="The one-parcel rule, when it applies.")


def _out(connection_id: int, items: list[hub.Mapping]) -> MappingsOut:
    return MappingsOut(
        connection_id=connection_id,
        items=[
            MappingOut(
                name=item.name,
                carrier_label=item.carrier_label,
                tracking_url_template=item.tracking_url_template,
                default=item.default,
            )
            for item in items
        ],
    )


@router.get("/carrier-mappings")
def list_mappings(request: Request, connection_id: ConnectionQuery) -> MappingsOut:
    """The connection's carrier mappings: yours first, then cdlink's defaults."""
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        return _out(connection_id, hub.mappings(session, connection_id))


@router.put("/carrier-mappings")
def put_mappings(request: Request, connection_id: ConnectionQuery, body: MappingsIn) -> MappingsOut:
    """Replace your carrier mappings; 422 naming the bad one (nothing changes then)."""
    wanted = [
        hub.Mapping(item.name, item.carrier_label, item.tracking_url_template)
        for item in body.items
    ]
    with request.app.state.database.session() as session:
        get_connection(session, connection_id)
        found = hub.replace_mappings(session, connection_id, wanted, request.app.state.clock.now())
        return _out(connection_id, found)


def _settings(connection_id: int, several: bool) -> FulfilmentSettingsOut:
    return FulfilmentSettingsOut(
        connection_id=connection_id,
        several_parcels=several,
        rule=None if several else ONE_PARCEL_RULE,
    )


@router.get("/fulfilment-settings")
def get_settings(request: Request, connection_id: ConnectionQuery) -> FulfilmentSettingsOut:
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        return _settings(connection_id, several_parcels(session, connection_id))


@router.put("/fulfilment-settings")
def put_settings(
    request: Request, connection_id: ConnectionQuery, body: FulfilmentSettingsIn
) -> FulfilmentSettingsOut:
    with request.app.state.database.session() as session:
        get_connection(session, connection_id)
        set_several_parcels(
            session, connection_id, body.several_parcels, request.app.state.clock.now()
        )
        return _settings(connection_id, body.several_parcels)
