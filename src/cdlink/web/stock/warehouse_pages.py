"""Settings → Warehouses: create, rename and delete warehouses, map them to connections, and the
buffers kept back from each connection (for every product, or per product).

A refusal (a warehouse still holding stock, a code taken, an unknown SKU) renders the Settings
page again with the reason and what to do, in the user's language; nothing is changed then.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.stock import warehouses
from cdlink.hub.stock.inventory import InvalidStockError
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import FormId, parse_whole
from cdlink.web.settings.pages import settings_response
from cdlink.web.stock.writes import stock_writes

router = APIRouter(include_in_schema=False)
BACK = "/settings#warehouses"


def _explained(request: Request, error: CdlinkError) -> str:
    language = request_language(request, request.app.state.settings)
    if isinstance(error, warehouses.WarehouseInUseError):
        message = gettext(
            language, translatable("Warehouse %(code)s still holds %(units)s unit(s).")
        ) % {"code": error.code, "units": error.units}
    else:
        message = error.message
    return f"{message} {gettext(language, error.hint)}"


def _refused(request: Request, error: CdlinkError, status: int) -> Response:
    return settings_response(request, {"warehouse_error": _explained(request, error)}, status)


def _done() -> Response:
    return RedirectResponse(BACK, status_code=303)


@router.post("/settings/warehouses")
def create(
    request: Request, code: Annotated[str, Form()] = "", name: Annotated[str, Form()] = ""
) -> Response:
    state = request.app.state
    try:
        with state.database.session() as session:
            warehouses.create_warehouse(session, state.clock, code, name)
    except (warehouses.InvalidWarehouseError, warehouses.WarehouseExistsError) as error:
        return _refused(request, error, 422)
    return _done()


@router.post("/settings/warehouses/{code}/rename")
def rename(request: Request, code: str, name: Annotated[str, Form()] = "") -> Response:
    try:
        with request.app.state.database.session() as session:
            warehouses.rename_warehouse(session, code, name, now=request.app.state.clock.now())
    except warehouses.InvalidWarehouseError as error:
        return _refused(request, error, 422)
    return _done()


@router.post("/settings/warehouses/{code}/delete")
def delete(request: Request, code: str) -> Response:
    try:
        with request.app.state.database.session() as session:
            warehouses.delete_warehouse(session, code)
    except warehouses.WarehouseInUseError as error:
        return _refused(request, error, 409)
    return _done()


@router.post("/settings/warehouses/{code}/map")
def map_to(
    request: Request,
    code: str,
    connection_id: FormId,
    priority: Annotated[str, Form()] = "",
) -> Response:
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        place = parse_whole(priority)
        inventory.map_warehouse(code, connection_id, priority=place)
    return _done()


@router.post("/settings/warehouses/{code}/unmap")
def unmap(request: Request, code: str, connection_id: FormId) -> Response:
    with stock_writes(request) as inventory:
        get_connection(inventory.session, connection_id)
        inventory.unmap_warehouse(code, connection_id)
    return _done()


@router.post("/settings/buffers")
def set_buffer(
    request: Request,
    connection_id: FormId,
    quantity: Annotated[str, Form()] = "",
    sku: Annotated[str, Form()] = "",
) -> Response:
    """A connection's buffer (no SKU), or one product's; an empty quantity removes it."""
    try:
        with stock_writes(request) as inventory:
            get_connection(inventory.session, connection_id)
            chosen = sku.strip() or None
            if quantity.strip():
                inventory.set_buffer(connection_id, _whole(quantity), chosen)
            else:
                inventory.clear_buffer(connection_id, chosen)
    except CdlinkError as error:
        return _refused(request, error, 422)
    return _done()


def _whole(text: str) -> int:
    value = parse_whole(text)
    if value is None:
        raise InvalidStockError(f"{text.strip()[:40]!r} is not a whole number")
    return value
