"""``/api/v1/finance/...`` and ``/api/v1/invoices``: operations, payouts, reconciliation, exports,
customer invoices.

Reads come from what the finance stream stored. An invoice upload is checked (PDF or UBL 2.1, at
most 10 MB, an order cdlink knows), recorded and queued (``cdlink.sync.finance.actions``); the
answer is the recorded upload (``pending``) and its outcome shows once sent. A bulk ZIP sends its
valid files and reports the others with their reason.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StrictStr

from cdlink.hub.finance import invoice_states, queries
from cdlink.hub.finance import invoices as invoice_rules
from cdlink.hub.finance.invoices import InvoiceFile, InvoiceFileError
from cdlink.hub.finance.reconciliation import KINDS
from cdlink.hub.orders.queries import get_order
from cdlink.store.models import OrderInvoiceImport, OrderInvoiceUpload
from cdlink.sync.finance import actions
from cdlink.web.finance.exports import Dialect, media_type, operations_csv, payouts_csv
from cdlink.web.identity import current_identity
from cdlink.web.listing import Listing, ListOut, Window, example
from cdlink.web.params import MAXIMUM_ID, Id, Page, PageSize, QueryId, date_bound
from cdlink.web.runtime import wake

router = APIRouter(tags=["finance"])
#: Operations page by key (newest stored first), so a cursor cannot skip one stored meanwhile.
OPERATIONS = Listing(("-id",), default_limit=100)
#: The other lists: their natural order, or cdlink's oldest change first (updated_at, to sync).
PAYOUTS = Listing(("-payment_date", "updated_at"), pages=True)
DIFFERENCES = Listing(("-detected_at", "updated_at"))
UPLOADS = Listing(("-id", "updated_at"), pages=True)

EventType = Literal["Sale", "Commission", "Refund", "Subscription", "LogisticFee"]
PaymentState = Literal["NotPayable", "Estimated", "InProcess", "Paid", "Blocked"]
DifferenceKind = Literal[
    "commission", "unpaid_sale", "unexplained_refund", "unknown_order", "unmatched_sale", "payout"
]
OrderIdText = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
PaymentIdText = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
MAX_UPLOAD = invoice_rules.MAX_BYTES


class OperationOut(BaseModel):
    model_config = example(
        {
            "id": 4410,
            "connection_id": 1,
            "operation_id": "OP-2612051234ABCD-1",
            "event_type": "Sale",
            "operation_date": "2026-12-05T08:12:00Z",
            "marketplace_order_id": "2612051234ABCD",
            "order_line_id": "1",
            "seller_product_id": "TSHIRT-BLEU-M",
            "amount": "59.90",
            "vat": "9.98",
            "commission": "8.99",
            "currency": "EUR",
            "payment_id": "P700085-20261211",
            "payment_state": "Estimated",
            "release_payment_date": "2026-12-11T00:00:00Z",
            "invoice_id": None,
        }
    )

    id: int
    connection_id: int
    operation_id: str
    event_type: str = Field(description="Sale, Commission, Refund, Subscription, LogisticFee…")
    operation_date: datetime
    marketplace_order_id: str | None
    order_line_id: str | None
    seller_product_id: str | None
    amount: Decimal = Field(description="From the seller's side: a sale adds, a charge takes.")
    vat: Decimal
    commission: Decimal | None = Field(description="The commission charged, when it has one.")
    currency: str
    payment_id: str | None
    payment_state: str | None
    release_payment_date: datetime | None
    invoice_id: str | None


class OperationList(ListOut):
    items: list[OperationOut]
    next_after: int | None = Field(description="Deprecated (use next_cursor): the ``after``.")


class PayoutOut(BaseModel):
    model_config = example(
        {
            "id": 15,
            "connection_id": 1,
            "payment_id": "P700085-20261211",
            "payment_date": "2026-12-11T00:00:00Z",
            "state": "Estimated",
            "amount": "1176.73",
            "vat": "196.12",
            "currency": "EUR",
            "reported_operations": 48,
            "operations_total": "1176.73",
            "operations_found": 48,
            "difference": "0.00",
            "matches": True,
            "updated_at": "2026-12-05T06:00:00Z",
        }
    )

    id: int
    connection_id: int
    payment_id: str
    payment_date: datetime
    state: str
    amount: Decimal
    vat: Decimal | None
    currency: str
    reported_operations: int | None
    operations_total: Decimal | None = Field(description="The sum of its stored operations.")
    operations_found: int | None
    difference: Decimal | None = Field(description="Amount less its operations; 0 when right.")
    matches: bool | None = Field(description="Null until its operations were read.")
    updated_at: datetime = Field(description="Its last change in cdlink (imported, reconciled).")


class PayoutList(ListOut):
    items: list[PayoutOut]
    next_expected: PayoutOut | None


class DifferenceOut(BaseModel):
    model_config = example(
        {
            "id": 3,
            "connection_id": 1,
            "kind": "commission",
            "reference": "OP-2612051234ABCD-2",
            "marketplace_order_id": "2612051234ABCD",
            "order_line_id": "1",
            "payment_id": "P700085-20261211",
            "order_id": 12,
            "expected": "-8.99",
            "actual": "-10.79",
            "detected_at": "2026-12-05T06:00:00Z",
            "reviewed_at": None,
            "reviewed_by": None,
            "updated_at": "2026-12-05T06:00:00Z",
        }
    )

    id: int
    connection_id: int
    kind: DifferenceKind
    reference: str = Field(description="The operation id, or the payment id of a payout.")
    marketplace_order_id: str | None
    order_line_id: str | None
    payment_id: str | None
    order_id: int | None = Field(description="cdlink's order, when it knows it.")
    expected: Decimal | None
    actual: Decimal | None
    detected_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    updated_at: datetime = Field(description="Detected, its figures changed, or reviewed.")


class Reconciliation(BaseModel):
    payouts: int
    payouts_matching: int
    payouts_differing: int
    open_differences: dict[str, int]
    differences: list[DifferenceOut]


class UploadOut(BaseModel):
    model_config = example(
        {
            "id": 21,
            "order_id": 12,
            "marketplace_order_id": "2612051234ABCD",
            "file_name": "FA-2026-0412.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "state": "done",
            "outcome": "uploaded",
            "import_id": None,
            "requested_by": "compta@boutique.fr",
            "requested_at": "2026-12-06T09:00:00Z",
            "finished_at": "2026-12-06T09:00:05Z",
            "updated_at": "2026-12-06T09:00:05Z",
        }
    )

    id: int
    order_id: int
    marketplace_order_id: str
    file_name: str
    content_type: str
    size: int
    state: Literal["pending", "done", "failed"]
    outcome: str | None
    import_id: int | None
    requested_by: str | None
    requested_at: datetime
    finished_at: datetime | None
    updated_at: datetime = Field(description="Its last change in cdlink (recorded, sent, done).")


class ImportFileOut(BaseModel):
    file_name: str
    order_id: str | None
    status: str
    reason: str | None = Field(description="Why cdlink refused it (not sent).")
    errors: list[str] = Field(description="Why Cdiscount refused it.")


class ImportOut(BaseModel):
    id: int
    file_name: str
    state: Literal["pending", "sent", "done", "failed"]
    marketplace_status: str | None
    outcome: str | None
    files: list[ImportFileOut]
    requested_at: datetime
    finished_at: datetime | None


class InvoiceIn(BaseModel):
    order_id: StrictStr = Field(
        min_length=1, max_length=64, description="The marketplace's order id."
    )
    connection_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    file_name: StrictStr = Field(min_length=1, max_length=255, examples=["invoice.pdf"])
    content: StrictStr = Field(
        max_length=14_000_000, description="The PDF or UBL 2.1 file in base64 (at most 10 MB)."
    )


class MarketplaceInvoiceOut(BaseModel):
    document_id: str | None = Field(description="Null: Cdiscount holds no invoice.")
    file_name: str | None
    status: str | None = Field(description="Running, Success or Failure (Cdiscount's check).")
    errors: str | None
    uploaded_at: datetime | None
    checked_at: datetime = Field(description="When cdlink last read it.")


class InvoiceStatus(BaseModel):
    order_id: int
    marketplace_order_id: str
    status: str
    has_invoice: bool = Field(
        description="Cdiscount accepted an upload of cdlink's or, as last read back, holds an "
        "accepted invoice for the order."
    )
    marketplace_invoice: MarketplaceInvoiceOut | None = Field(
        description="What Cdiscount holds, as last read back (null: not read yet)."
    )
    uploads: list[UploadOut]


class ReminderOut(BaseModel):
    order_id: int
    marketplace_order_id: str
    status: str
    purchased_at: datetime | None
    last_upload_state: str | None
    last_upload_outcome: str | None


class InvoiceList(ListOut):
    items: list[UploadOut] = Field(description="Invoice uploads, newest first.")
    uploads: list[UploadOut] = Field(description="Deprecated: the same as items.")
    without_invoice: list[ReminderOut] = Field(description="Shipped orders with no invoice.")


def operation_out(view: queries.OperationView) -> OperationOut:
    return OperationOut(**view.__dict__)


def payout_out(view: queries.PayoutView) -> PayoutOut:
    return PayoutOut(
        **{k: v for k, v in view.__dict__.items() if k != "checked"},
        difference=view.difference,
        matches=view.matches,
    )


def upload_out(upload: OrderInvoiceUpload, marketplace_order_id: str) -> UploadOut:
    return UploadOut(
        id=upload.id,
        order_id=upload.order_id,
        marketplace_order_id=marketplace_order_id,
        file_name=upload.file_name,
        content_type=upload.content_type,
        size=upload.size,
        state=upload.state,
        outcome=upload.outcome,
        import_id=upload.import_id,
        requested_by=upload.requested_by,
        requested_at=upload.requested_at,
        finished_at=upload.finished_at,
        updated_at=upload.updated_at,
    )


def import_out(record: OrderInvoiceImport) -> ImportOut:
    return ImportOut(
        id=record.id,
        file_name=record.file_name,
        state=record.state,
        marketplace_status=record.marketplace_status,
        outcome=record.outcome,
        files=[
            ImportFileOut(
                file_name=str(item.get("file_name")),
                order_id=item.get("order_id"),
                status=str(item.get("status")),
                reason=item.get("reason"),
                errors=list(item.get("errors") or []),
            )
            for item in record.files
        ],
        requested_at=record.requested_at,
        finished_at=record.finished_at,
    )


@router.get("/finance/operations")
def list_operations(
    request: Request,
    *,
    connection_id: QueryId = None,
    event_type: EventType | None = None,
    payment_id: Annotated[PaymentIdText | None, Query()] = None,
    order_id: Annotated[OrderIdText | None, Query()] = None,
    since: Annotated[
        str | None, Query(max_length=40, description="YYYY-MM-DD or ISO time.")
    ] = None,
    until: Annotated[str | None, Query(max_length=40, description="Excluded.")] = None,
    after: Annotated[
        int | None, Query(ge=1, le=MAXIMUM_ID, deprecated=True, description="Use cursor.")
    ] = None,
    window: Annotated[Window, Depends(OPERATIONS)],
) -> OperationList:
    zone = request.app.state.settings.zone
    filters = queries.OperationFilter(
        connection_id=connection_id,
        event_type=event_type,
        payment_id=payment_id,
        order_id=order_id,
        since=date_bound(since, "since", zone),
        until=date_bound(until, "until", zone, end=True),
        updated_since=window.updated_since,
    )
    return _operations(request, filters, window, after)


def _operations(
    request: Request, filters: queries.OperationFilter, window: Window, after: int | None
) -> OperationList:
    """A page of operations by key: the cursor's, else the deprecated ``after``."""
    start = window.after if window.after is not None else after
    with request.app.state.database.reading() as session:
        found, following = queries.operations(session, filters, limit=window.limit, after=start)
    return OperationList(
        items=[operation_out(item) for item in found],
        next_after=following,
        **window.answer(request, more=following is not None, after=following),
    )


@router.get("/finance/payouts")
def list_payouts(
    request: Request,
    window: Annotated[Window, Depends(PAYOUTS)],
    connection_id: QueryId = None,
    state: PaymentState | None = None,
) -> PayoutList:
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        found = queries.payouts(
            session,
            connection_id=connection_id,
            state=state,
            limit=window.limit + 1,
            offset=window.offset,
            updated_since=window.updated_since,
            by_update=window.sort == "updated_at",
        )
        upcoming = queries.next_expected(session, now, connection_id=connection_id)
    return PayoutList(
        items=[payout_out(item) for item in found[: window.limit]],
        next_expected=payout_out(upcoming) if upcoming else None,
        **window.answer(request, more=len(found) > window.limit),
    )


@router.get("/finance/payouts/{payout_id}/operations")
def payout_operations(
    request: Request,
    payout_id: Id,
    window: Annotated[Window, Depends(OPERATIONS)],
    after: Annotated[
        int | None, Query(ge=1, le=MAXIMUM_ID, deprecated=True, description="Use cursor.")
    ] = None,
) -> OperationList:
    with request.app.state.database.reading() as session:
        view = queries.payout(session, payout_id)
    filters = queries.OperationFilter(
        connection_id=view.connection_id,
        payment_id=view.payment_id,
        updated_since=window.updated_since,
    )
    return _operations(request, filters, window, after)


@router.get("/finance/reconciliation")
def reconciliation(
    request: Request,
    *,
    connection_id: QueryId = None,
    kind: DifferenceKind | None = None,
    include_reviewed: bool = False,
    page: Page = 1,
    page_size: PageSize = 50,
) -> Reconciliation:
    with request.app.state.database.reading() as session:
        found = queries.differences(
            session,
            connection_id=connection_id,
            kind=kind,
            include_reviewed=include_reviewed,
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        counts = queries.count_differences(session, connection_id=connection_id)
        every = queries.payouts(session, connection_id=connection_id, limit=100_000)
    checked = [item for item in every if item.matches is not None]
    return Reconciliation(
        payouts=len(every),
        payouts_matching=sum(1 for item in checked if item.matches),
        payouts_differing=sum(1 for item in checked if not item.matches),
        open_differences={kind: counts.get(kind, 0) for kind in KINDS},
        differences=[DifferenceOut(**item.__dict__) for item in found],
    )


class DifferenceList(ListOut):
    items: list[DifferenceOut]


@router.get("/finance/differences")
def list_differences(
    request: Request,
    *,
    connection_id: QueryId = None,
    kind: DifferenceKind | None = None,
    include_reviewed: bool = False,
    window: Annotated[Window, Depends(DIFFERENCES)],
) -> DifferenceList:
    """What reconciliation found: the newest first, the reviewed ones with include_reviewed."""
    with request.app.state.database.reading() as session:
        found = queries.differences(
            session,
            connection_id=connection_id,
            kind=kind,
            include_reviewed=include_reviewed,
            limit=window.limit + 1,
            offset=window.offset,
            updated_since=window.updated_since,
            by_update=window.sort == "updated_at",
        )
    return DifferenceList(
        items=[DifferenceOut(**item.__dict__) for item in found[: window.limit]],
        **window.answer(request, more=len(found) > window.limit),
    )


@router.post("/finance/reconciliation/{difference_id}/review", status_code=204)
def review(request: Request, difference_id: Id) -> None:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        queries.review(session, difference_id, by=who, now=request.app.state.clock.now())


class CostIn(BaseModel):
    cost: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="One unit's cost.")
    currency: Literal["EUR"] = "EUR"


class CostOut(BaseModel):
    seller_sku: str
    cost: Decimal
    currency: str


@router.put("/finance/costs/{sku}")
def set_cost(
    request: Request,
    sku: Annotated[str, Path(min_length=1, max_length=120)],
    body: CostIn,
) -> CostOut:
    with request.app.state.database.session() as session:
        queries.set_cost(
            session, sku, body.cost, currency=body.currency, now=request.app.state.clock.now()
        )
    return CostOut(seller_sku=sku, cost=body.cost, currency=body.currency)


@router.get(
    "/finance/exports/{what}",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "A CSV file."}},
)
def export(
    request: Request,
    *,
    what: Literal["operations", "payouts"],
    dialect: Dialect = "standard",
    connection_id: QueryId = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
) -> StreamingResponse:
    zone = request.app.state.settings.zone
    start = date_bound(since, "since", zone)
    end = date_bound(until, "until", zone, end=True)
    database = request.app.state.database
    name = f"cdlink-{what}{'-excel-fr' if dialect == 'excel-fr' else ''}.csv"

    def stream() -> object:
        with database.reading() as session:
            if what == "operations":
                filters = queries.OperationFilter(
                    connection_id=connection_id, since=start, until=end
                )
                yield from operations_csv(queries.all_operations(session, filters), dialect, zone)
            else:
                found = queries.payouts(
                    session, connection_id=connection_id, since=start, until=end, limit=100_000
                )
                yield from payouts_csv(found, dialect, zone)

    return StreamingResponse(
        stream(),  # type: ignore[arg-type]
        media_type=media_type(dialect),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/invoices")
def list_invoices(
    request: Request,
    window: Annotated[Window, Depends(UPLOADS)],
    connection_id: QueryId = None,
) -> InvoiceList:
    with request.app.state.database.reading() as session:
        found = queries.uploads(
            session,
            connection_id=connection_id,
            limit=window.limit + 1,
            offset=window.offset,
            updated_since=window.updated_since,
            by_update=window.sort == "updated_at",
        )
        reminders = queries.uninvoiced_orders(session, connection_id=connection_id, limit=200)
    uploads = [upload_out(row, order_id) for row, order_id in found[: window.limit]]
    return InvoiceList(
        items=uploads,
        uploads=uploads,
        **window.answer(request, more=len(found) > window.limit),
        without_invoice=[
            ReminderOut(
                order_id=item.order_id,
                marketplace_order_id=item.marketplace_order_id,
                status=item.status,
                purchased_at=item.purchased_at,
                last_upload_state=item.upload_state,
                last_upload_outcome=item.upload_outcome,
            )
            for item in reminders
        ],
    )


@router.post("/invoices", status_code=202)
def upload_invoice(request: Request, body: InvoiceIn) -> UploadOut:
    try:
        content = base64.b64decode(body.content, validate=True)
    except (binascii.Error, ValueError):
        raise InvoiceFileError("not_base64", body.file_name) from None
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        order = invoice_rules.find_order(session, body.connection_id, body.order_id)
        if order is None:
            raise InvoiceFileError("unknown_order", body.file_name)
        upload = actions.request_upload(
            session,
            order,
            InvoiceFile(body.file_name, content),
            requested_by=who,
            now=request.app.state.clock.now(),
        )
        answer = upload_out(upload, order.marketplace_order_id)
    wake(request)
    return answer


@router.post("/invoices/imports", status_code=202)
async def import_invoices(
    request: Request,
    archive: Annotated[UploadFile, File(description="A ZIP of <order id>.pdf / .xml files.")],
    connection_id: Annotated[int, Form(ge=1, le=2**31 - 1)] = 1,
) -> ImportOut:
    content = await archive.read(invoice_rules.MAX_ZIP_BYTES + 1)
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        record = actions.request_import(
            session,
            connection_id,
            archive.filename or "invoices.zip",
            content,
            requested_by=who,
            now=request.app.state.clock.now(),
        )
        answer = import_out(record)
    wake(request)
    return answer


@router.get("/invoices/imports/{import_id}")
def get_import(request: Request, import_id: Id) -> ImportOut:
    with request.app.state.database.reading() as session:
        record = session.get(OrderInvoiceImport, import_id)
        if record is None:
            raise queries.UnknownFinanceRecordError("no such import")
        return import_out(record)


@router.get("/orders/{order_id}/invoice")
def order_invoice(request: Request, order_id: Id) -> InvoiceStatus:
    with request.app.state.database.reading() as session:
        order = get_order(session, order_id)
        found = queries.uploads(session, order_id=order.id, limit=50)
        state = invoice_states.state_of(session, order.id)
        held = state is not None and state.status == invoice_states.SUCCESS
        return InvoiceStatus(
            order_id=order.id,
            marketplace_order_id=order.marketplace_order_id,
            status=order.status,
            has_invoice=held or any(row.state == invoice_rules.DONE for row, _ in found),
            marketplace_invoice=None
            if state is None
            else MarketplaceInvoiceOut(
                document_id=state.document_id,
                file_name=state.file_name,
                status=state.status,
                errors=state.errors,
                uploaded_at=state.uploaded_at,
                checked_at=state.checked_at,
            ),
            uploads=[upload_out(row, marketplace_id) for row, marketplace_id in found],
        )


@router.post("/orders/{order_id}/invoice", status_code=202)
async def upload_order_invoice(
    request: Request,
    order_id: Id,
    file: Annotated[UploadFile, File(description="A PDF or UBL 2.1 invoice, at most 10 MB.")],
) -> UploadOut:
    content = await file.read(MAX_UPLOAD + 1)
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        upload = actions.request_upload(
            session,
            order,
            InvoiceFile(file.filename or "invoice", content),
            requested_by=who,
            now=request.app.state.clock.now(),
        )
        answer = upload_out(upload, order.marketplace_order_id)
    wake(request)
    return answer


@router.post("/invoices/{upload_id}/retry", status_code=202)
def retry_upload(request: Request, upload_id: Id) -> UploadOut:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        upload = session.get(OrderInvoiceUpload, upload_id)
        if upload is None:
            raise queries.UnknownFinanceRecordError("no such upload")
        again = actions.request_retry(
            session, upload, requested_by=who, now=request.app.state.clock.now()
        )
        order = get_order(session, again.order_id)
        answer = upload_out(again, order.marketplace_order_id)
    wake(request)
    return answer
