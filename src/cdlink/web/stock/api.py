"""``/api/v1/stock``: stock per SKU, counts and adjustments per warehouse, bulk and CSV.

Every write is one transaction: the level changes, the movement is journaled and the push to each
stock-synced connection is queued together (``cdlink.hub.stock.inventory``). Bulk and CSV are all or
nothing: a list or file with any bad item changes nothing and the answer (422) names every bad
item or line. An adjustment sent with an ``Idempotency-Key`` header is applied once however many
times it is retried (``cdlink.store.idempotency``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StrictInt

from cdlink.core.spreadsheets import Format, dialect
from cdlink.hub.stock import csv_files as stock_csv
from cdlink.hub.stock.inventory import Inventory
from cdlink.hub.stock.queries import StockFilter, StockRow, get_stock, list_stock
from cdlink.store import idempotency
from cdlink.sync.stock.pusher import publish_to_outbox
from cdlink.web.identity import current_identity
from cdlink.web.listing import Listing, PagedListOut, Window, example
from cdlink.web.params import StrictDelta, StrictQuantity, id_query
from cdlink.web.stock.writes import stock_writes

router = APIRouter(prefix="/stock", tags=["stock"])
LISTING = Listing(("sku",), pages=True)
Reason = Annotated[str, Field(min_length=1, max_length=40, examples=["count"])]


class PushOut(BaseModel):
    quantity: int | None
    at: datetime | None
    outcome: str | None = Field(description="confirmed or refused")
    reason: str | None


class ConnectionStockOut(BaseModel):
    connection_id: int
    connection_name: str
    stock_sync_enabled: bool
    buffer: int
    available: int = Field(description="Available-to-sell: what Cdiscount should show.")
    cdiscount_quantity: int | None = Field(
        description="What Cdiscount holds: the newer of the last confirmed push and the last "
        "offer import; null when neither has told us yet."
    )
    cdiscount_seen_at: datetime | None
    last_push: PushOut | None
    waiting_since: datetime | None = Field(description="Since when a push has been waiting.")
    state: str = Field(description="in_step, sending, stale, failed, unknown, unmanaged or off")


class StockOut(BaseModel):
    model_config = example(
        {
            "sku": "TSHIRT-BLEU-M",
            "title": "T-shirt coton bio bleu, taille M",
            "ean": "3760123456789",
            "on_hand": {"PARIS": 42, "LYON": 8},
            "total_on_hand": 50,
            "reserved": 3,
            "connections": [
                {
                    "connection_id": 1,
                    "connection_name": "Boutique Cdiscount",
                    "stock_sync_enabled": True,
                    "buffer": 2,
                    "available": 45,
                    "cdiscount_quantity": 45,
                    "cdiscount_seen_at": "2026-12-05T08:14:00Z",
                    "last_push": None,
                    "waiting_since": None,
                    "state": "in_step",
                }
            ],
        }
    )

    sku: str
    title: str
    ean: str | None
    on_hand: dict[str, int] = Field(description="Units on hand per warehouse code.")
    total_on_hand: int
    reserved: int
    connections: list[ConnectionStockOut]

    @classmethod
    def of(cls, row: StockRow) -> StockOut:
        return cls(
            sku=row.sku,
            title=row.title,
            ean=row.ean,
            on_hand=row.on_hand,
            total_on_hand=row.total_on_hand,
            reserved=row.reserved,
            connections=[
                ConnectionStockOut(
                    connection_id=cell.connection_id,
                    connection_name=cell.connection_name,
                    stock_sync_enabled=cell.stock_sync_enabled,
                    buffer=cell.buffer,
                    available=cell.available,
                    cdiscount_quantity=cell.cdiscount_quantity,
                    cdiscount_seen_at=cell.cdiscount_seen_at,
                    last_push=None
                    if cell.pushed_at is None
                    else PushOut(
                        quantity=cell.pushed_quantity,
                        at=cell.pushed_at,
                        outcome=cell.push_outcome,
                        reason=cell.push_reason,
                    ),
                    waiting_since=cell.waiting_since,
                    state=cell.state,
                )
                for cell in row.connections
            ],
        )


class StockList(PagedListOut):
    items: list[StockOut]


class CountIn(BaseModel):
    quantity: StrictQuantity = Field(description="Units on hand after the count (0 to 1,000,000).")
    reason: Reason = "api"


class AdjustmentIn(BaseModel):
    delta: StrictDelta
    reason: Reason = "api"


class BulkItem(BaseModel):
    sku: str
    warehouse: str
    # Bounded (0 to 1,000,000) with the other checks, so the 422 names every bad item.
    quantity: StrictInt = Field(description="0 to 1,000,000 units.")


class BulkIn(BaseModel):
    items: list[BulkItem] = Field(max_length=stock_csv.MAXIMUM_LINES)
    reason: Reason = "api"


class Applied(BaseModel):
    applied: int


@router.get("")
def stock(
    request: Request,
    *,
    q: str | None = Query(default=None, description="Text in the SKU, title or EAN."),
    sku: str | None = None,
    warehouse: str | None = Query(default=None, description="Only SKUs stocked there (code)."),
    connection_id: Annotated[
        int | None, id_query("Only SKUs offered on or pushed to this connection.")
    ] = None,
    failed: bool = Query(default=False, description="Only SKUs whose last push was refused."),
    window: Annotated[Window, Depends(LISTING)],
) -> StockList:
    """Stock per SKU, ordered by SKU: on-hand per warehouse, reserved, and per connection the
    buffer, available-to-sell, Cdiscount's quantity and the last push."""
    stock_filter = StockFilter(
        q, sku, warehouse, connection_id, failed, updated_since=window.updated_since
    )
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        found = list_stock(session, stock_filter, now, page=window.page, page_size=window.limit)
    items = [StockOut.of(row) for row in found.rows]
    return StockList(
        items=items,
        **window.answer_total(request, found.total, shown=len(items)),
    )


@router.post("/bulk")
def bulk_set(request: Request, body: BulkIn) -> Applied:
    """Set many levels (counts) at once, all or nothing: 422 names every bad item (from 1)."""
    items = [(item.sku, item.warehouse, item.quantity) for item in body.items]
    with stock_writes(request) as inventory:
        counts = stock_csv.read_items(items, inventory)
        return Applied(applied=stock_csv.apply(counts, inventory, body.reason))


@router.get("/{sku}")
def one_sku(request: Request, sku: str) -> StockOut:
    with request.app.state.database.reading() as session:
        return StockOut.of(get_stock(session, sku, request.app.state.clock.now()))


@router.put("/{sku}/{warehouse}")
def set_level(request: Request, sku: str, warehouse: str, body: CountIn) -> StockOut:
    """Set the units on hand of a SKU in a warehouse (a count)."""
    with stock_writes(request) as inventory:
        inventory.set_on_hand(sku, warehouse, body.quantity, body.reason)
    return one_sku(request, sku)


@router.post(
    "/{sku}/{warehouse}/adjustments",
    responses={200: {"model": StockOut, "description": "The SKU's stock after the change."}},
)
def adjust_level(
    request: Request,
    sku: str,
    warehouse: str,
    body: AdjustmentIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Any unique string (a UUID): a retry with the same key and body gets "
            "the first answer and changes nothing more (kept 24 h)."
        ),
    ] = None,
) -> Response:
    """Add or remove units; refuses to go below zero (422)."""
    if idempotency_key is None:
        with stock_writes(request) as inventory:
            inventory.adjust_on_hand(sku, warehouse, body.delta, body.reason)
        return JSONResponse(one_sku(request, sku).model_dump(mode="json"))
    key = idempotency.check_key(idempotency_key)
    user_id = current_identity(request).user_id
    digest = idempotency.request_hash("POST", request.url.path, body.model_dump())
    now = request.app.state.clock.now()
    with stock_writes(request) as inventory:
        earlier = idempotency.recall(inventory.session, user_id, key, digest, now)
        if earlier is None:
            inventory.adjust_on_hand(sku, warehouse, body.delta, body.reason)
            inventory.session.flush()
            answer = StockOut.of(get_stock(inventory.session, sku, now)).model_dump(mode="json")
            remembered = idempotency.Remembered(200, answer)
            idempotency.remember(
                inventory.session, user_id, key, digest, answer=remembered, now=now
            )
    if earlier is not None:
        return JSONResponse(
            earlier.response, earlier.status_code, headers={"Idempotent-Replayed": "true"}
        )
    return JSONResponse(remembered.response, remembered.status_code)


csv_router = APIRouter(tags=["stock"])


@csv_router.get(
    "/stock.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "sku,warehouse,quantity"}},
)
def download(request: Request, format: Format = "standard") -> Response:
    """Every stock level as ``sku,warehouse,quantity``: the file uploads back as it is
    (``format=excel-fr``: semicolons and Windows-1252, for a French Excel)."""
    state = request.app.state
    chosen = dialect(format)
    with state.database.reading() as session:
        text = stock_csv.export(Inventory(session, state.clock, publish_to_outbox), format)
    return Response(
        text.encode(chosen.encoding, errors="replace"),
        media_type=chosen.media_type,
        headers={"Content-Disposition": 'attachment; filename="stock.csv"'},
    )


@csv_router.post("/stock.csv")
def upload(
    request: Request, file: Annotated[UploadFile, File(description="sku,warehouse,quantity")]
) -> Applied:
    """Apply a file of counts, all or nothing: 422 names every bad line (the header is line 1)."""
    text = stock_csv.decode(file.file.read(stock_csv.MAXIMUM_FILE_BYTES + 1))
    with stock_writes(request) as inventory:
        return Applied(applied=stock_csv.upload(text, inventory))
