"""The Finance pages: payouts with their state and the next expected one, a payout's breakdown
(by kind, by order, every operation), the differences to review, cost prices; the Invoices page
(shipped orders without an invoice, uploads with Retry, bulk ZIP imports with each file's
status); and the finance panel of the order page (``order_panel``).

Every form records and queues (``cdlink.sync.finance.actions``); nothing here calls the
marketplace.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.finance import invoice_states, queries
from cdlink.hub.finance import invoices as invoice_rules
from cdlink.hub.finance.figures import order_finance
from cdlink.hub.finance.invoices import InvoiceFile
from cdlink.hub.finance.queries import FinanceQueryError
from cdlink.hub.orders.queries import get_order
from cdlink.store.models import Order, OrderInvoiceUpload
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.finance import actions
from cdlink.sync.finance.stream import STREAM
from cdlink.web.finance import labels
from cdlink.web.identity import current_identity
from cdlink.web.params import Id, Page, parse_id
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
OPERATIONS_PAGE = 50


def _values(request: Request) -> dict[str, Any]:
    return {"labels": labels, "zone": request.app.state.settings.zone}


@router.get("/finance")
def finance_page(request: Request, connection: str = "", page: Page = 1) -> Response:
    now = request.app.state.clock.now()
    connection_id = parse_id(connection)
    with request.app.state.database.reading() as session:
        values = {
            **_values(request),
            "payouts": queries.payouts(
                session,
                connection_id=connection_id,
                limit=PAGE_SIZE + 1,
                offset=(page - 1) * PAGE_SIZE,
            ),
            "upcoming": queries.next_expected(session, now, connection_id=connection_id),
            "counts": queries.count_differences(session, connection_id=connection_id),
            "differences": queries.differences(session, connection_id=connection_id, limit=10),
            "connections": {item.id: item.name for item in list_connections(session)},
            "chosen": connection,
            "page": page,
            "page_size": PAGE_SIZE,
        }
    return render(request, "finance/index.html", values)


@router.get("/finance/payouts/{payout_id}")
def payout_page(request: Request, payout_id: Id, after: str = "") -> Response:
    with request.app.state.database.reading() as session:
        view = queries.payout(session, payout_id)
        filters = queries.OperationFilter(
            connection_id=view.connection_id, payment_id=view.payment_id
        )
        found, following = queries.operations(
            session, filters, limit=OPERATIONS_PAGE, after=parse_id(after)
        )
        values = {
            **_values(request),
            "payout": view,
            "breakdown": queries.breakdown(session, view),
            "operations": found,
            "following": following,
            "differences": queries.differences(
                session, connection_id=view.connection_id, payment_id=view.payment_id
            ),
        }
    return render(request, "finance/payout.html", values)


@router.get("/finance/differences")
def differences_page(
    request: Request, kind: str = "", reviewed: str = "", page: Page = 1
) -> Response:
    chosen = kind if kind in labels.DIFFERENCES else None
    with request.app.state.database.reading() as session:
        values = {
            **_values(request),
            "differences": queries.differences(
                session,
                kind=chosen,
                include_reviewed=reviewed == "1",
                limit=PAGE_SIZE + 1,
                offset=(page - 1) * PAGE_SIZE,
            ),
            "counts": queries.count_differences(session),
            "chosen": {"kind": chosen or "", "reviewed": reviewed},
            "page": page,
            "page_size": PAGE_SIZE,
        }
    return render(request, "finance/differences.html", values)


@router.post("/finance/differences/{difference_id}/review")
def review(request: Request, difference_id: Id) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        queries.review(session, difference_id, by=who, now=request.app.state.clock.now())
    return RedirectResponse("/finance/differences", status_code=303)


@router.post("/finance/sync")
def sync_now(request: Request) -> Response:
    now = request.app.state.clock.now()
    with request.app.state.database.session() as session:
        for connection in list_connections(session):
            request_run(session, connection.id, STREAM, now=now, trigger="manual")
    wake(request)
    return RedirectResponse("/finance?synced=1", status_code=303)


@router.post("/finance/costs")
def set_cost(
    request: Request,
    sku: Annotated[str, Form(max_length=120)],
    cost: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        amount = Decimal(cost.replace(",", ".").strip())
    except InvalidOperation:
        raise FinanceQueryError(
            translatable("a cost is a positive amount with at most 2 decimals")
        ) from None
    with request.app.state.database.session() as session:
        queries.set_cost(
            session, sku.strip(), amount, currency="EUR", now=request.app.state.clock.now()
        )
    return RedirectResponse("/finance", status_code=303)


@router.get("/invoices")
def invoices_page(request: Request, page: Page = 1) -> Response:
    with request.app.state.database.reading() as session:
        values = {
            **_values(request),
            "reminders": queries.uninvoiced_orders(
                session, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
            ),
            "uploads": queries.uploads(session, limit=20),
            "imports": queries.imports(session, limit=5),
            "connections": {item.id: item.name for item in list_connections(session)},
            "page": page,
            "page_size": PAGE_SIZE,
            "reasons": invoice_rules.REASONS,
        }
    return render(request, "finance/invoices.html", values)


@router.post("/invoices/import")
async def import_invoices(
    request: Request,
    archive: Annotated[UploadFile, File()],
    connection: Annotated[str, Form(max_length=20)] = "1",
) -> Response:
    content = await archive.read(invoice_rules.MAX_ZIP_BYTES + 1)
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        connection_id = parse_id(connection) or 1
        actions.request_import(
            session,
            connection_id,
            archive.filename or "invoices.zip",
            content,
            requested_by=who,
            now=request.app.state.clock.now(),
        )
    wake(request)
    return RedirectResponse("/invoices", status_code=303)


@router.post("/orders/{order_id}/invoice")
async def upload_order_invoice(
    request: Request,
    order_id: Id,
    file: Annotated[UploadFile, File()],
    back: Annotated[str, Form(max_length=20)] = "order",
) -> Response:
    content = await file.read(invoice_rules.MAX_BYTES + 1)
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        order = get_order(session, order_id)
        actions.request_upload(
            session,
            order,
            InvoiceFile(file.filename or "invoice", content),
            requested_by=who,
            now=request.app.state.clock.now(),
        )
    wake(request)
    target = "/invoices" if back == "invoices" else f"/orders/{order_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/invoices/{upload_id}/retry")
def retry_upload(request: Request, upload_id: Id) -> Response:
    who = current_identity(request).email
    with request.app.state.database.session() as session:
        upload = session.get(OrderInvoiceUpload, upload_id)
        if upload is None:
            raise queries.UnknownFinanceRecordError(translatable("no such upload"))
        actions.request_retry(session, upload, requested_by=who, now=request.app.state.clock.now())
    wake(request)
    return RedirectResponse("/invoices", status_code=303)


def order_panel(session: Session, order: Order) -> dict[str, Any]:
    """What the order page's finance section shows (``finance/_order_finance.html``)."""
    return {
        "finance": order_finance(session, order),
        "invoice_uploads": [row for row, _ in queries.uploads(session, order_id=order.id, limit=5)],
        "invoice_state": invoice_states.state_of(session, order.id),
        "finance_labels": labels,
    }
