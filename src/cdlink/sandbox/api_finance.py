"""Finance (reference §6.6) and order invoices (§6.2.9, addendum §2-3) over HTTP.

Query names the sources do not give are the sandbox's assumptions (docs/sandbox.md "Finance"):
``operationDateMin``/``operationDateMax``, ``eventType``, ``paymentState``, ``paymentId`` and
``operationReference`` on ``/operations``; ``paymentDateMin``/``paymentDateMax`` and
``paymentState`` on ``/payments``; ``invoiceDateMin``/``invoiceDateMax`` on
``/invoice-documents``. Lists are page-number style, in a stable order (date, then id).
Uploads are ``multipart/form-data``; the field name is not checked (it is unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, TypeVar

from starlette.responses import Response

from cdlink.sandbox import finance, invoices
from cdlink.sandbox.api_offers import decode_cursor, next_link
from cdlink.sandbox.api_orders import find_order
from cdlink.sandbox.api_seller import page_params
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL
from cdlink.sandbox.order_queries import enum_filter, parse_time
from cdlink.sandbox.responses import GATEWAY_HEADERS, ApiError, json_response
from cdlink.sandbox.serialize import money, timestamp

T = TypeVar("T")


def ledger(call: Call) -> finance.Ledger:
    config = call.state.config
    return finance.build(call.shop, config.finance, config.variants.payout_schedule, call.now)


def shown(call: Call, amount: Decimal) -> float:
    """An amount as the configured sign convention writes it (addendum §3)."""
    return money(amount if call.state.config.variants.finance_amounts == "signed" else abs(amount))


def part_json(call: Call, name: str, part: finance.Part) -> dict[str, Any]:
    with_vat = "amountWithVat"
    if name == "commission":
        with_vat = call.state.config.variants.commission_field
    body = {
        with_vat: money(part.with_vat),
        "amountWithoutVat": money(part.with_vat - part.vat),
        "vatAmount": money(part.vat),
    }
    if part.rate is not None:
        body["rate"] = money(part.rate)
    return body


def operation_json(call: Call, op: finance.Operation) -> dict[str, Any]:
    return {
        "operationId": op.operation_id,
        "eventType": op.event_type,
        "operationReference": op.reference,
        "orderId": op.order_id,
        "orderLineId": op.line_id,
        "sellerProductId": op.seller_product_id,
        "salesChannel": CHANNEL,
        "operationDate": timestamp(op.operation_date),
        "releasePaymentDate": timestamp(op.release_date),
        "paymentState": op.payment_state,
        "paymentId": op.payment_id,
        "invoiceId": op.invoice_id,
        "grossAmount": shown(call, op.amount),
        "vatAmount": shown(call, op.vat),
        "currencyCode": "EUR",
        **{name: part_json(call, name, part) for name, part in op.parts.items()},
    }


def window(call: Call, prefix: str) -> tuple[datetime | None, datetime | None]:
    return parse_time(call, f"{prefix}Min"), parse_time(call, f"{prefix}Max")


def within(moment: datetime, bounds: tuple[datetime | None, datetime | None]) -> bool:
    low, high = bounds
    return (low is None or moment >= low) and (high is None or moment <= high)


def page(call: Call, items: Sequence[T], shape: Callable[[T], dict[str, Any]]) -> Response:
    index, size = page_params(call, 50, 100)
    chosen = items[(index - 1) * size : index * size]
    return json_response({"itemsPerPage": len(chosen), "items": [shape(i) for i in chosen]})


# --- operations ----------------------------------------------------------------------------
def matching_operations(call: Call) -> list[finance.Operation]:
    bounds = window(call, "operationDate")
    kinds = set(call.query_list("eventType"))
    state = enum_filter(call, "paymentState", finance.PAYMENT_STATES)
    payment_id, reference = call.query("paymentId"), call.query("operationReference")
    return [
        op
        for op in ledger(call).operations
        if within(op.operation_date, bounds)
        and (not kinds or op.event_type in kinds)
        and state in (None, op.payment_state)
        and payment_id in (None, op.payment_id)
        and reference in (None, op.reference)
    ]


def list_operations(call: Call) -> Response:
    return page(call, matching_operations(call), lambda op: operation_json(call, op))


def count_operations(call: Call) -> Response:
    return json_response(len(matching_operations(call)))


# --- payments --------------------------------------------------------------------------------
def payment_json(call: Call, payment: finance.Payment) -> dict[str, Any]:
    return {
        "paymentId": payment.payment_id,
        "paymentDate": timestamp(payment.payment_date),
        "paymentState": payment.state,
        "grossAmount": shown(call, payment.amount),
        "vatAmount": shown(call, payment.vat),
        "operationCount": payment.operations,
        "currencyCode": "EUR",
        "salesChannel": CHANNEL,
    }


def matching_payments(call: Call) -> list[finance.Payment]:
    bounds = window(call, "paymentDate")
    state = enum_filter(call, "paymentState", finance.PAYMENT_STATES)
    found = [
        payment
        for payment in ledger(call).payments.values()
        if within(payment.payment_date, bounds) and state in (None, payment.state)
    ]
    return sorted(found, key=lambda payment: (payment.payment_date, payment.payment_id))


def list_payments(call: Call) -> Response:
    return page(call, matching_payments(call), lambda payment: payment_json(call, payment))


def count_payments(call: Call) -> Response:
    return json_response(len(matching_payments(call)))


# --- commission invoices -----------------------------------------------------------------------
def invoice_json(invoice: finance.Invoice) -> dict[str, Any]:
    return {
        "invoiceId": invoice.invoice_id,
        "invoiceDate": timestamp(invoice.invoice_date),
        "invoiceType": "Commission",
        "periodStart": timestamp(invoice.period_start),
        "periodEnd": timestamp(invoice.invoice_date),
        "amountWithVat": money(invoice.with_vat),
        "amountWithoutVat": money(invoice.with_vat - invoice.vat),
        "vatAmount": money(invoice.vat),
        "lineCount": len(invoice.lines),
        "currencyCode": "EUR",
        "salesChannel": CHANNEL,
    }


def list_invoice_documents(call: Call) -> Response:
    bounds = window(call, "invoiceDate")
    found = sorted(
        (i for i in ledger(call).invoices.values() if within(i.invoice_date, bounds)),
        key=lambda invoice: (invoice.invoice_date, invoice.invoice_id),
    )
    return page(call, found, invoice_json)


def find_invoice(call: Call) -> finance.Invoice:
    invoice = ledger(call).invoices.get(call.path_params["invoice_id"])
    if invoice is None:
        raise ApiError(404, f"invoice {call.path_params['invoice_id']} does not exist")
    return invoice


def detail_json(number: int, op: finance.Operation) -> dict[str, Any]:
    return {
        "lineNumber": number,
        "operationId": op.operation_id,
        "operationReference": op.reference,
        "eventType": op.event_type,
        "amountWithVat": money(-op.amount),
        "amountWithoutVat": money(op.vat - op.amount),
        "vatAmount": money(-op.vat),
    }


def invoice_details(call: Call) -> Response:
    lines = list(enumerate(find_invoice(call).lines, start=1))
    return page(call, lines, lambda item: detail_json(*item))


def count_invoice_details(call: Call) -> Response:
    return json_response(len(find_invoice(call).lines))


def invoice_document(call: Call) -> Response:
    invoice = find_invoice(call)
    pdf = (
        b"%PDF-1.4\n% cdlink sandbox commission invoice "
        + f"{invoice.invoice_id} {invoice.with_vat} EUR".encode()
        + b"\n%%EOF\n"
    )
    disposition = f'inline; filename="{invoice.invoice_id}.pdf"'
    headers = {**GATEWAY_HEADERS, "Content-Disposition": disposition}
    return Response(pdf, 200, headers, media_type="application/pdf")


# --- order invoice documents (customer invoices uploaded by the seller) --------------------------
def uploaded_files(call: Call) -> list[tuple[str, bytes]]:
    content_type = call.request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(415, f"expected multipart/form-data, got {content_type!r}")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.default).parsebytes(head + call.body)
    files = []
    if message.is_multipart():
        for part in message.iter_parts():
            name = part.get_filename() if isinstance(part, EmailMessage) else None
            payload = part.get_payload(decode=True) if name else None
            if name and isinstance(payload, bytes):
                files.append((name, payload))
    if not files:
        raise ApiError(400, "no file in the request", errors={"file": ["required"]})
    return files


def document_json(document: invoices.InvoiceDocument) -> dict[str, Any]:
    return {
        "documentId": document.document_id,
        "orderId": document.order_id,
        "fileName": document.file_name,
        "contentType": document.content_type,
        "size": len(document.content),
        "uploadedAt": timestamp(document.uploaded_at),
        "importId": document.import_id,
        "status": document.status,
        "integrationStatus": document.integration_status,
    }


def invoiceable_order(call: Call) -> str:
    order = find_order(call, call.path_params["order_id"])
    if order.status not in invoices.VISIBLE_FROM:
        errors = {"orderId": ["an invoice needs an order the seller accepted"]}
        raise ApiError(422, f"order {order.order_id} is {order.status}", errors=errors)
    return order.order_id


def upload_order_invoice(call: Call) -> Response:
    order_id = invoiceable_order(call)
    files = uploaded_files(call)
    if len(files) != 1:
        raise ApiError(400, "send exactly one file", errors={"file": ["exactly one file"]})
    name, content = files[0]
    problem = invoices.file_problem(name, content, call.state.config.finance)
    if problem is not None:
        raise ApiError(400, problem, errors={"file": [problem]})
    document = invoices.store(call.shop, order_id, name, content, call.now)
    return json_response(document_json(document), 201)


def list_order_invoices(call: Call) -> Response:
    order_id = find_order(call, call.path_params["order_id"]).order_id
    invoices.settle(call.shop, call.state.config.finance, call.now)
    document = invoices.book(call.shop).documents.get(order_id)
    items = [] if document is None else [document_json(document)]
    return json_response({"itemsPerPage": len(items), "items": items})


def import_json(item: invoices.InvoiceImport) -> dict[str, Any]:
    return {
        "importId": item.import_id,
        "status": item.status,
        "createdAt": timestamp(item.created_at),
        "updatedAt": timestamp(item.updated_at),
        "files": [
            {
                "fileName": entry.file_name,
                "orderId": entry.order_id,
                "status": entry.status,
                "integrationStatus": entry.integration_status,
                "errors": entry.errors,
            }
            for entry in item.files
        ],
    }


def create_invoice_import(call: Call) -> Response:
    files: list[tuple[str, bytes]] = []
    for name, content in uploaded_files(call):
        inner = invoices.unzip(name, content) if name.lower().endswith(".zip") else None
        if name.lower().endswith(".zip") and inner is None:
            raise ApiError(400, f"{name} is not a readable ZIP", errors={"file": [name]})
        files += inner if inner is not None else [(name, content)]
    if not files:
        raise ApiError(400, "the ZIP holds no file", errors={"file": ["empty archive"]})
    item = invoices.create_import(call.shop, files, call.now)
    invoices.settle(call.shop, call.state.config.finance, call.now)
    return json_response(import_json(item), 201)


def list_invoice_imports(call: Call) -> Response:
    invoices.settle(call.shop, call.state.config.finance, call.now)
    items = list(invoices.book(call.shop).imports.values())
    if call.state.config.variants.invoice_imports_paging == "page":
        return page(call, items, import_json)
    size = page_params(call, 50, 100)[1]
    start = int(decode_cursor(call) or 0)
    chosen = items[start : start + size]
    end = start + len(chosen)
    headers = next_link(call, str(end)) if end < len(items) else {}
    body = {"itemsPerPage": len(chosen), "items": [import_json(i) for i in chosen]}
    return json_response(body, headers=headers)


def get_invoice_import(call: Call) -> Response:
    invoices.settle(call.shop, call.state.config.finance, call.now)
    item = invoices.book(call.shop).imports.get(call.path_params["import_id"])
    if item is None:
        raise ApiError(404, f"invoice import {call.path_params['import_id']} does not exist")
    return json_response(import_json(item))
