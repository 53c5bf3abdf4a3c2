"""Finance (reference §6.6, addendum §3) and order invoices (§6.2.9, addendum §2).

Reading for an exactly-once import: ``FinanceService.operations(start, end)`` walks one window
``[start, end)`` of ``operationDate`` page by page in the server's stable order (date, then id)
and yields each operation once. An operation's ``operationDate`` is when it appeared and never
changes, so a window that ends in the past is final: import consecutive windows ending a
safety margin before now and nothing is read twice or missed. Payment states change (an
``Estimated`` payout becomes ``Paid``): re-read payouts until they are ``Paid``, and
``reconcile`` one against the sum of its operations, to the cent.

Uploading customer invoices: a PDF or a UBL 2.1 XML invoice per order (a new upload replaces
the previous one), or a ZIP whose files are named ``<orderId>.pdf``/``.xml``. Files are checked
before anything is sent (``RuleViolation`` with ``sent`` False): the PDF magic bytes or the UBL
root element, the size (``INVOICE_MAX_BYTES``, an assumption), the order id's format.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from cdlink.octopia.errors import MalformedResponse
from cdlink.octopia.models.finance import (
    INVOICE_MAX_BYTES,
    PDF_MAGIC,
    UBL_NAMESPACES,
    EventType,
    FinancialOperation,
    Invoice,
    InvoiceDetail,
    InvoiceImport,
    OrderInvoiceDocument,
    Payment,
    PaymentState,
)
from cdlink.octopia.pagination import MAXIMUM_PAGES, Page, iterate_page_numbers
from cdlink.octopia.services.base import Service, api_time, read_count, read_one, segment
from cdlink.octopia.services.rules import refuse, translate

logger = logging.getLogger("cdlink.octopia")

MAXIMUM_FINANCE_PAGE_SIZE = 100
ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
"""An order id: letters and digits (Cdiscount's look like ``2612051912HMPIM``)."""
INVOICE_EXTENSIONS = {".pdf": "application/pdf", ".xml": "application/xml"}
MAXIMUM_ZIP_FILES = 1000


@dataclasses.dataclass(frozen=True)
class OperationQuery:
    """Filters of ``GET /operations``; the window is ``[operation_date_min,
    operation_date_max)``."""

    operation_date_min: datetime | None = None
    operation_date_max: datetime | None = None
    event_types: tuple[EventType | str, ...] = ()
    payment_state: PaymentState | str | None = None
    payment_id: str | None = None
    operation_reference: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "operationDateMin": _time(self.operation_date_min),
            "operationDateMax": _time(self.operation_date_max),
            "eventType": ",".join(str(kind) for kind in self.event_types) or None,
            "paymentState": str(self.payment_state) if self.payment_state else None,
            "paymentId": self.payment_id,
            "operationReference": self.operation_reference,
        }

    def keeps(self, operation: FinancialOperation) -> bool:
        """The window's end is excluded: consecutive windows never share an operation."""
        end = self.operation_date_max
        return end is None or operation.operation_date < end


@dataclasses.dataclass(frozen=True)
class PayoutReconciliation:
    """A payout against its operations: ``difference`` is zero to the cent when they agree."""

    payment: Payment
    operations: list[FinancialOperation]
    operations_total: Decimal

    @property
    def difference(self) -> Decimal:
        reported = self.payment.gross_amount
        if reported >= 0 > self.operations_total:
            reported = -reported  # an unsigned answer (addendum §3): the sum tells the sign
        return reported - self.operations_total

    @property
    def matches(self) -> bool:
        return self.difference == 0 and (
            self.payment.operation_count in (None, len(self.operations))
        )


class FinanceService(Service):
    group = "finance"

    # --- operations ---------------------------------------------------------------------------
    def operation_pages(
        self, query: OperationQuery | None = None, *, page_size: int = MAXIMUM_FINANCE_PAGE_SIZE
    ) -> Iterator[Page[FinancialOperation]]:
        query = query or OperationQuery()
        return self._pages(FinancialOperation, "/operations", query.params(), page_size)

    def operations(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        event_types: tuple[EventType | str, ...] = (),
        page_size: int = MAXIMUM_FINANCE_PAGE_SIZE,
    ) -> Iterator[FinancialOperation]:
        """Every operation dated in ``[start, end)``, once each, oldest first."""
        query = OperationQuery(start, end, event_types)
        seen: set[str] = set()
        for page in self.operation_pages(query, page_size=page_size):
            for rejected in page.rejected:
                # An import that must see everything reads operation_pages and keeps these.
                logger.warning("octopia /operations: operation left out (%s)", rejected.reason)
            for operation in page.items:
                if query.keeps(operation) and operation.operation_id not in seen:
                    seen.add(operation.operation_id)
                    yield operation

    def count_operations(self, query: OperationQuery | None = None) -> int:
        params = (query or OperationQuery()).params()
        payload, response = self._json("GET", "/operations/count", params=params)
        return read_count(payload, response)

    # --- payouts ------------------------------------------------------------------------------
    def payment_pages(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        state: PaymentState | str | None = None,
        page_size: int = MAXIMUM_FINANCE_PAGE_SIZE,
    ) -> Iterator[Page[Payment]]:
        params = {
            "paymentDateMin": _time(start),
            "paymentDateMax": _time(end),
            "paymentState": str(state) if state else None,
        }
        return self._pages(Payment, "/payments", params, page_size)

    def payments(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        state: PaymentState | str | None = None,
    ) -> Iterator[Payment]:
        for page in self.payment_pages(start=start, end=end, state=state):
            yield from page.items

    def count_payments(self, *, state: PaymentState | str | None = None) -> int:
        params = {"paymentState": str(state) if state else None}
        payload, response = self._json("GET", "/payments/count", params=params)
        return read_count(payload, response)

    def payment_operations(self, payment_id: str) -> list[FinancialOperation]:
        query = OperationQuery(payment_id=payment_id)
        return [op for page in self.operation_pages(query) for op in page.items]

    def reconcile(self, payment: Payment) -> PayoutReconciliation:
        """The payout against the sum of its operations (``net``, so either sign convention)."""
        operations = self.payment_operations(payment.payment_id)
        total = sum((op.net for op in operations), Decimal("0.00"))
        return PayoutReconciliation(payment, operations, total)

    # --- commission invoices -------------------------------------------------------------------
    def invoices(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[Invoice]:
        params = {"invoiceDateMin": _time(start), "invoiceDateMax": _time(end)}
        for page in self._pages(Invoice, "/invoice-documents", params, MAXIMUM_FINANCE_PAGE_SIZE):
            yield from page.items

    def invoice_details(self, invoice_id: str) -> Iterator[InvoiceDetail]:
        path = f"/invoices/{segment(invoice_id)}/details"
        for page in self._pages(InvoiceDetail, path, {}, MAXIMUM_FINANCE_PAGE_SIZE):
            yield from page.items

    def count_invoice_details(self, invoice_id: str) -> int:
        path = f"/invoices/{segment(invoice_id)}/details/count"
        payload, response = self._json("GET", path)
        return read_count(payload, response)

    def invoice_document(self, invoice_id: str) -> bytes:
        """The invoice as a PDF."""
        response = self._send(
            "GET",
            f"/invoices/{segment(invoice_id)}/documents",
            headers={"Accept": "application/pdf"},
        )
        if not response.content.startswith(PDF_MAGIC):
            raise MalformedResponse(f"invoice {invoice_id}: the document is not a PDF")
        return response.content

    def _pages(
        self, model: Any, path: str, params: Mapping[str, Any], page_size: int
    ) -> Iterator[Page[Any]]:
        if not 1 <= page_size <= MAXIMUM_FINANCE_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAXIMUM_FINANCE_PAGE_SIZE}")
        return iterate_page_numbers(
            lambda index: self._numbered_page(
                model, path, index=index, page_size=page_size, params=params
            ),
            page_size=page_size,
        )


class OrderInvoicesService(Service):
    """Customer invoices the seller uploads: per order, or in bulk (asynchronous imports)."""

    group = "invoices"

    def upload(self, order_id: str, file_name: str, content: bytes) -> OrderInvoiceDocument:
        """Upload the invoice of ``order_id`` (replacing any earlier one); checked first."""
        check_order_id(order_id)
        content_type = check_invoice_file(file_name, content)
        files = {"file": (file_name, content, content_type)}
        path = f"/orders/{segment(order_id)}/invoice-documents"
        with translate("invoice_file", "order_status"):
            payload, response = self._json("POST", path, files=files)
        return read_one(OrderInvoiceDocument, payload, response)

    def documents(self, order_id: str) -> list[OrderInvoiceDocument]:
        return self._list(OrderInvoiceDocument, f"/orders/{segment(order_id)}/invoice-documents")

    def import_zip(self, archive: bytes, *, file_name: str = "invoices.zip") -> InvoiceImport:
        """Send a ZIP of invoices named ``<orderId>.pdf``/``.xml``; every entry is checked
        first and a bad one refuses the whole archive before anything is sent."""
        check_invoice_zip(archive)
        files = {"file": (file_name, archive, "application/zip")}
        with translate("invoice_file"):
            payload, response = self._json("POST", "/order-invoice-imports", files=files)
        return read_one(InvoiceImport, payload, response)

    def import_files(self, invoices: Mapping[str, bytes]) -> InvoiceImport:
        """Zip ``{order id: file}`` (PDF or UBL, the extension chosen from the content), send."""
        return self.import_zip(build_invoice_zip(invoices))

    def get_import(self, import_id: str) -> InvoiceImport:
        return self._one(InvoiceImport, f"/order-invoice-imports/{segment(import_id)}")

    def wait_for_import(
        self,
        import_id: str,
        *,
        interval: float = 30.0,
        max_polls: int = 20,
        sleep: Callable[[float], None] | None = None,
    ) -> InvoiceImport:
        """Poll until the import is final (or ``max_polls`` reads); return the last read."""
        pause = sleep or self._requester.retry.sleep
        found = self.get_import(import_id)
        for _ in range(max_polls - 1):
            if found.finished:
                break
            pause(interval)
            found = self.get_import(import_id)
        return found

    def imports(self, *, page_size: int = 50) -> Iterator[InvoiceImport]:
        """Every import, once. The list is cursor-paged (``Link``) in one source and
        page-numbered in another (docs/octopia-client.md): both are followed."""
        params = {"pageSize": page_size}
        seen: set[str] = set()
        link: str | None = None
        index = 1
        for _ in range(MAXIMUM_PAGES):
            if link is None:
                page = self._cursor_page(
                    InvoiceImport,
                    "/order-invoice-imports",
                    link=None,
                    params={**params, "pageIndex": index},
                )
            else:
                page = self._cursor_page(
                    InvoiceImport, "/order-invoice-imports", link=link, params={}
                )
            fresh = [item for item in page.items if item.import_id not in seen]
            seen.update(item.import_id for item in fresh)
            yield from fresh
            if page.next_url is not None:
                link = page.next_url
            elif link is None and page.received >= page_size and fresh:
                index += 1
            else:
                return


def _time(moment: datetime | None) -> str | None:
    return api_time(moment) if moment is not None else None


def check_order_id(order_id: str) -> None:
    if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
        raise refuse("invoice_order_id", f"{order_id!r} is not an order id")


def invoice_problem(file_name: str, content: bytes) -> str | None:
    """Why ``content`` is not an invoice Octopia takes (PDF or UBL 2.1), or None."""
    if not content:
        return f"{file_name} is empty"
    if len(content) > INVOICE_MAX_BYTES:
        return f"{file_name} is larger than {INVOICE_MAX_BYTES // (1024 * 1024)} MB"
    if content.startswith(PDF_MAGIC):
        return None
    return ubl_problem(file_name, content)


def ubl_problem(file_name: str, content: bytes) -> str | None:
    if content.lstrip()[:1] != b"<" or b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return f"{file_name} is neither a PDF nor a UBL 2.1 XML invoice"
    try:
        root = ET.fromstring(content)  # noqa: S314  (DTDs and entities refused above)
    except ET.ParseError:
        return f"{file_name} is not well-formed XML"
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    if namespace not in UBL_NAMESPACES or local not in ("Invoice", "CreditNote"):
        return f"{file_name} is XML but not a UBL 2.1 Invoice or CreditNote"
    return None


def check_invoice_file(file_name: str, content: bytes) -> str:
    """The content type to send ``content`` with, or ``RuleViolation`` if it is refused."""
    problem = invoice_problem(file_name, content)
    if problem is not None:
        raise refuse("invoice_file", problem)
    return "application/pdf" if content.startswith(PDF_MAGIC) else "application/xml"


def check_invoice_zip(archive: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as opened:
            entries = [info for info in opened.infolist() if not info.is_dir()]
            if not entries:
                raise refuse("invoice_zip", "the ZIP holds no file")
            if len(entries) > MAXIMUM_ZIP_FILES:
                raise refuse("invoice_zip", f"the ZIP holds more than {MAXIMUM_ZIP_FILES} files")
            orders: set[str] = set()
            for info in entries:
                order_id = check_zip_entry(info, orders)
                orders.add(order_id)
                if info.file_size > INVOICE_MAX_BYTES:
                    raise refuse("invoice_file", f"{info.filename} is larger than allowed")
                check_invoice_file(info.filename, opened.read(info))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise refuse("invoice_zip", f"the archive is not a readable ZIP ({error})") from None


def check_zip_entry(info: zipfile.ZipInfo, orders: set[str]) -> str:
    name = info.filename
    stem, dot, extension = name.rpartition(".")
    if "/" in name or "\\" in name:
        raise refuse("invoice_zip", f"{name}: files must be at the root of the ZIP")
    if not dot or f".{extension.lower()}" not in INVOICE_EXTENSIONS:
        raise refuse("invoice_zip", f"{name}: a file must be named <orderId>.pdf or .xml")
    if not ORDER_ID.match(stem):
        raise refuse("invoice_zip", f"{name}: the file name must be an order id")
    if stem in orders:
        raise refuse("invoice_zip", f"{name}: two files for order {stem}")
    return stem


def build_invoice_zip(invoices: Mapping[str, bytes]) -> bytes:
    """A ZIP of ``{order id: PDF or UBL bytes}``, each named ``<orderId>.pdf``/``.xml``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for order_id, content in invoices.items():
            check_order_id(order_id)
            extension = ".pdf" if content.startswith(PDF_MAGIC) else ".xml"
            archive.writestr(order_id + extension, content)
    return buffer.getvalue()
