"""``/api/v1/warehouses`` and ``/api/v1/buffers``: where stock is kept, which connections sell
it, and the units kept back from each connection.

Mapping, unmapping and buffers change what a connection may sell, so they queue the new
available-to-sell of the products concerned in the same transaction, like any stock write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.stock import warehouses
from cdlink.hub.stock.mapping import MAXIMUM_PRIORITY
from cdlink.hub.stock.queries import list_buffers
from cdlink.web.listing import Listing, ListOut, Window, example
from cdlink.web.params import Id, QueryId, StrictQuantity
from cdlink.web.stock.writes import stock_writes

router = APIRouter(prefix="/warehouses", tags=["warehouses"])
buffers_router = APIRouter(prefix="/buffers", tags=["buffers"])


class WarehouseOut(BaseModel):
    model_config = example(
        {
            "code": "PARIS",
            "name": "Entrepôt Paris",
            "units": 1240,
            "skus": 318,
            "connection_ids": [1, 2],
            "priorities": {"1": 0, "2": 1},
            "updated_at": "2026-12-05T08:15:40Z",
        }
    )

    code: str
    name: str
    units: int = Field(description="Units on hand, every SKU together.")
    skus: int = Field(description="SKUs with stock there.")
    connection_ids: list[int] = Field(description="Connections that sell its stock.")
    priorities: dict[int, int] = Field(
        description="Per connection id, the warehouse's place in the order shipments take units "
        "from (lowest first; ties by code)."
    )
    updated_at: datetime = Field(
        description="Its last change in cdlink: created, renamed, mapped, or its stock changed."
    )


class WarehouseIn(BaseModel):
    code: str = Field(examples=["PARIS"], description="1 to 40 letters, digits, '-', '_', '.'")
    name: str = Field(examples=["Entrepôt Paris"])


class WarehousePatch(BaseModel):
    name: str


class BufferOut(BaseModel):
    connection_id: int
    sku: str | None = Field(description="null: the connection's buffer for every product.")
    quantity: int


class BufferIn(BaseModel):
    quantity: StrictQuantity


def _one(request: Request, code: str) -> WarehouseOut:
    with request.app.state.database.reading() as session:
        warehouses.get_warehouse(session, code)  # UnknownWarehouseError: 404
        summary = next(item for item in warehouses.list_warehouses(session) if item.code == code)
    return WarehouseOut.model_validate(summary, from_attributes=True)


class WarehouseList(ListOut):
    items: list[WarehouseOut]


#: A shop has a few warehouses: the list is read whole, then filtered and paged.
LISTING = Listing(("code", "updated_at"))


@router.get("")
def list_all(request: Request, window: Annotated[Window, Depends(LISTING)]) -> WarehouseList:
    """Warehouses by code."""
    with request.app.state.database.reading() as session:
        every = warehouses.list_warehouses(session)
    found, more = window.slice(
        every,
        {
            "code": lambda summary: summary.code,
            "updated_at": lambda summary: (summary.updated_at, summary.code),
        },
        updated=lambda summary: summary.updated_at,
    )
    return WarehouseList(
        items=[WarehouseOut.model_validate(summary, from_attributes=True) for summary in found],
        **window.answer(request, more=more),
    )


@router.post("", status_code=201)
def create(request: Request, body: WarehouseIn) -> WarehouseOut:
    """A new, empty warehouse, sold by no connection until it is mapped."""
    state = request.app.state
    with state.database.session() as session:
        warehouses.create_warehouse(session, state.clock, body.code, body.name)
    return _one(request, body.code.strip())


@router.get("/{code}")
def one(request: Request, code: str) -> WarehouseOut:
    return _one(request, code)


@router.patch("/{code}")
def rename(request: Request, code: str, body: WarehousePatch) -> WarehouseOut:
    with request.app.state.database.session() as session:
        warehouses.rename_warehouse(session, code, body.name, now=request.app.state.clock.now())
    return _one(request, code)


@router.delete("/{code}", status_code=204)
def delete(request: Request, code: str) -> Response:
    """Delete an empty warehouse; 409 while it holds stock."""
    with request.app.state.database.session() as session:
        warehouses.delete_warehouse(session, code)
    return Response(status_code=204)


@router.put("/{code}/connections/{connection_id}")
def map_to(
    request: Request,
    code: str,
    connection_id: Id,
    priority: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAXIMUM_PRIORITY,
            description="Its place in the connection's shipment order (0 to 1,000,000); kept if "
            "absent.",
        ),
    ] = None,
) -> WarehouseOut:
    """Let the connection sell this warehouse's stock (its quantities are pushed again)."""
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.map_warehouse(code, connection_id, priority=priority)
    return _one(request, code)


@router.delete("/{code}/connections/{connection_id}")
def unmap(request: Request, code: str, connection_id: Id) -> WarehouseOut:
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.unmap_warehouse(code, connection_id)
    return _one(request, code)


@buffers_router.get("")
def buffers(request: Request, connection_id: QueryId = None) -> list[BufferOut]:
    """Every buffer: per connection (``sku`` null) and per product of a connection."""
    with request.app.state.database.reading() as session:
        return [
            BufferOut.model_validate(item, from_attributes=True)
            for item in list_buffers(session, connection_id)
        ]


@buffers_router.put("/{connection_id}")
def set_default(request: Request, connection_id: Id, body: BufferIn) -> BufferOut:
    """Keep units of every product back from the connection (unless a product has its own)."""
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.set_buffer(connection_id, body.quantity)
    return BufferOut(connection_id=connection_id, sku=None, quantity=body.quantity)


@buffers_router.delete("/{connection_id}", status_code=204)
def clear_default(request: Request, connection_id: Id) -> Response:
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.clear_buffer(connection_id)
    return Response(status_code=204)


@buffers_router.put("/{connection_id}/{sku}")
def set_own(request: Request, connection_id: Id, sku: str, body: BufferIn) -> BufferOut:
    """Keep units of one product back from the connection (instead of its buffer)."""
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.set_buffer(connection_id, body.quantity, sku)
    return BufferOut(connection_id=connection_id, sku=sku, quantity=body.quantity)


@buffers_router.delete("/{connection_id}/{sku}", status_code=204)
def clear_own(request: Request, connection_id: Id, sku: str) -> Response:
    """The product falls back to the connection's buffer."""
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.clear_buffer(connection_id, sku)
    return Response(status_code=204)
