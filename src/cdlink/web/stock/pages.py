"""The Stock page: per SKU the units per warehouse, reserved, and per connection the buffer,
available-to-sell, what Cdiscount holds and how the last push went; counts and adjustments
inline (htmx swaps the SKU's row), and the CSV upload with its error report.

The list is paged in SQL (``cdlink.hub.stock.queries``). Edits go through ``Inventory`` like the
API's, so each queues its push in the same transaction and wakes the stock pusher.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.hub.catalog.queries import count_products
from cdlink.hub.pricing.queries import price_cells
from cdlink.hub.stock import csv_files as stock_csv
from cdlink.hub.stock.inventory import InvalidStockError
from cdlink.hub.stock.queries import (
    StockFilter,
    StockRow,
    all_warehouses,
    get_stock,
    list_stock,
    stock_connections,
)
from cdlink.store.models import Product
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Id, Page, parse_id, parse_whole
from cdlink.web.placeholders import coming_page
from cdlink.web.pricing import labels as price_labels
from cdlink.web.stock.writes import stock_writes
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
MAXIMUM_REASON = 40


@router.get("/stock")
def stock_page(  # noqa: PLR0917  (one argument per filter of the form)
    request: Request,
    q: str = "",
    warehouse: str = "",
    connection: str = "",
    failed: str = "",
    page: Page = 1,
) -> Response:
    stock_filter = StockFilter(
        text=q or None,
        warehouse=warehouse or None,
        connection_id=parse_id(connection),
        failed_only=bool(failed),
    )
    state = request.app.state
    with state.database.reading() as session:
        if count_products(session) == 0:
            return coming_page(request, "stock")
        found = list_stock(session, stock_filter, state.clock.now(), page=page, page_size=PAGE_SIZE)
        every_connection = stock_connections(session)
        prices = _prices(session, found.connections, [row.sku for row in found.rows])
    chosen = {"q": q, "warehouse": warehouse, "connection": connection, "failed": failed}
    query = urlencode({key: value for key, value in chosen.items() if value})
    values = {
        "found": found,
        "chosen": chosen,
        "query": query,
        "all_connections": every_connection,
        **_row_context(request, found.warehouses, found.connections),
        "prices": prices,
        "back": f"/stock?{query}&page={page}" if page > 1 else f"/stock?{query}",
    }
    return render(request, "stock/page.html", values)


def _row_context(request: Request, warehouses: Any, connections: Any) -> dict[str, Any]:
    state = request.app.state
    return {
        "warehouses": warehouses,
        "connections": connections,
        "now": state.clock.now(),
        "zone": state.settings.zone,
        "hold_reasons": price_labels.HOLD_REASONS,
    }


def _prices(session: Session, connections: Any, skus: list[str]) -> dict[Any, Any]:
    """The price cells of the rows shown, per (connection, SKU)."""
    return price_cells(session, [connection.id for connection in connections], skus)


def _row(request: Request, session: Session, product_id: int, error: str = "") -> Response:
    """One SKU's row, as htmx swaps it in after an edit (status 422 with the error shown)."""
    product = session.get_one(Product, product_id)
    row: StockRow = get_stock(session, product.sku, request.app.state.clock.now())
    connections = stock_connections(session)
    values = {
        "row": row,
        "row_error": error,
        **_row_context(request, all_warehouses(session), connections),
        "prices": _prices(session, connections, [row.sku]),
        "back": _back(request),
    }
    return render(request, "stock/_row.html", values, status=422 if error else 200)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _back(request: Request) -> str:
    """Back to the Stock page the form was on (its filters and page), or the first page."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url).rstrip("/")
    if referer.startswith(f"{base}/stock"):
        return referer[len(base) :]
    return "/stock"


def _edit(request: Request, product_id: int, change: Any) -> Response:
    """Apply ``change(inventory, sku)``; answer the row (htmx) or go back to the page."""
    language = request_language(request, request.app.state.settings)
    error = ""
    try:
        with stock_writes(request) as inventory:
            change(inventory, inventory.session.get_one(Product, product_id).sku)
    except CdlinkError as failure:
        if not _is_htmx(request):
            raise
        error = f"{gettext(language, failure.message)} {gettext(language, failure.hint)}"
    if not _is_htmx(request):
        return RedirectResponse(_back(request), status_code=303)
    with request.app.state.database.reading() as session:
        return _row(request, session, product_id, error)


def _whole(text: str, what: str) -> int:
    value = parse_whole(text)
    if value is None:
        raise InvalidStockError(f"{what}: {text.strip()[:40]!r} is not a whole number")
    return value


@router.post("/stock/{product_id}/count")
def count(
    request: Request,
    product_id: Id,
    warehouse: Annotated[str, Form()],
    quantity: Annotated[str, Form()],
) -> Response:
    """Set the units on hand of one SKU in one warehouse (the inline edit)."""

    def change(inventory: Any, sku: str) -> None:
        inventory.set_on_hand(sku, warehouse, _whole(quantity, warehouse), "web")

    return _edit(request, product_id, change)


@router.post("/stock/{product_id}/adjust")
def adjust(
    request: Request,
    product_id: Id,
    warehouse: Annotated[str, Form()],
    delta: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Add or remove units of one SKU in one warehouse, with a reason for the journal."""

    def change(inventory: Any, sku: str) -> None:
        why = reason.strip()[:MAXIMUM_REASON] or "web"
        inventory.adjust_on_hand(sku, warehouse, _whole(delta, warehouse), why)

    return _edit(request, product_id, change)


@router.post("/stock/upload")
def upload(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    """A CSV file of counts, all or nothing; the report names each bad line."""
    language = request_language(request, request.app.state.settings)
    try:
        text = stock_csv.decode(file.file.read(stock_csv.MAXIMUM_FILE_BYTES + 1))
        with stock_writes(request) as inventory:
            applied = stock_csv.upload(text, inventory)
    except stock_csv.InvalidStockFileError as error:
        values = {"problems": error.problems, "hint": gettext(language, error.hint)}
        return render(request, "stock/_upload_result.html", values, status=422)
    return render(request, "stock/_upload_result.html", {"applied": applied})
