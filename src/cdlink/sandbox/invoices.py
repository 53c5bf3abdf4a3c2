"""Customer invoices the seller uploads (reference §6.2.9, addendum §2).

- One order has at most one invoice document: a new upload replaces the previous one. A document
  uploaded per order is checked asynchronously: ``Running`` (``integrationStatus``
  ``FileCheck``) for ``invoice_import_seconds``, then ``Success`` (``Uploaded``); one from a bulk
  import is stored once its file passed, ``Success`` at once.
- A file is a PDF (starts with ``%PDF-``) or a UBL 2.1 invoice (XML whose root is ``Invoice``
  or ``CreditNote`` in the UBL 2 namespace), at most ``invoice_max_bytes`` (an assumption: the
  real limit is not published).
- A bulk import takes one ZIP (or several files); each file is named after its order id
  (``<orderId>.pdf`` / ``.xml``). It stays ``Running`` for ``invoice_import_seconds``, then every
  file is checked (order, then file) and ends ``Success`` or ``Failure`` with its errors; the
  import is ``Success``, ``PartialSuccess`` or ``Failure``. Imports are settled lazily, whenever
  the seller reads invoices or imports.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from cdlink.sandbox.config import FinanceSettings

if TYPE_CHECKING:
    from cdlink.sandbox.shop import SellerShop

UBL_NAMESPACES = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
)
VISIBLE_FROM = frozenset({"Accepted", "InPreparation", "Shipped", "Delivered", "Cancelled"})
"""Orders that can be invoiced: the seller accepted them (a refunded one keeps its invoice)."""


@dataclasses.dataclass
class InvoiceDocument:
    document_id: str
    order_id: str
    file_name: str
    content_type: str
    content: bytes
    uploaded_at: datetime
    import_id: str | None = None
    status: str = "Running"
    integration_status: str = "FileCheck"


@dataclasses.dataclass
class ImportFile:
    file_name: str
    content: bytes
    order_id: str
    status: str = "Running"
    integration_status: str = "OrderCheck"
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InvoiceImport:
    import_id: str
    created_at: datetime
    updated_at: datetime
    files: list[ImportFile]
    status: str = "Running"


@dataclasses.dataclass
class InvoiceBook:
    """A shop's invoice documents (one per order) and bulk imports (in creation order)."""

    documents: dict[str, InvoiceDocument] = dataclasses.field(default_factory=dict)
    imports: dict[str, InvoiceImport] = dataclasses.field(default_factory=dict)


def book(shop: SellerShop) -> InvoiceBook:
    return shop.invoice_book


def file_problem(name: str, content: bytes, settings: FinanceSettings) -> str | None:
    """Why ``content`` is not an acceptable invoice file, or None."""
    if not content:
        return f"{name} is empty"
    if len(content) > settings.invoice_max_bytes:
        return f"{name} is larger than {settings.invoice_max_bytes} bytes"
    if content.startswith(b"%PDF-"):
        return None
    if content.lstrip()[:1] != b"<":
        return f"{name} is neither a PDF nor a UBL 2.1 XML invoice"
    return xml_problem(name, content)


def xml_problem(name: str, content: bytes) -> str | None:
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return f"{name} declares a DTD, which is refused"
    try:
        root = ET.fromstring(content)  # noqa: S314  (DTDs refused above)
    except ET.ParseError:
        return f"{name} is not well-formed XML"
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    if namespace not in UBL_NAMESPACES or local not in ("Invoice", "CreditNote"):
        return f"{name} is XML but not a UBL 2.1 Invoice or CreditNote"
    return None


def content_type_of(content: bytes) -> str:
    return "application/pdf" if content.startswith(b"%PDF-") else "application/xml"


def store(
    shop: SellerShop,
    order_id: str,
    file_name: str,
    content: bytes,
    now: datetime,
    *,
    import_id: str | None = None,
) -> InvoiceDocument:
    document = InvoiceDocument(
        document_id=shop.serial("invoice-document", 80_000_000),
        order_id=order_id,
        file_name=file_name,
        content_type=content_type_of(content),
        content=content,
        uploaded_at=now,
        import_id=import_id,
    )
    if import_id is not None:  # its file went through the import's checks already
        document.status, document.integration_status = "Success", "Uploaded"
    book(shop).documents[order_id] = document  # replaces the previous one
    shop.count("invoices.uploaded")
    return document


def unzip(name: str, content: bytes) -> list[tuple[str, bytes]] | None:
    """The files of a ZIP (folders and their paths dropped), or None if it is not one."""
    if not content.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [
                (info.filename.rsplit("/", 1)[-1], archive.read(info))
                for info in archive.infolist()
                if not info.is_dir() and info.file_size <= 64 * 1024 * 1024
            ]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def create_import(shop: SellerShop, files: list[tuple[str, bytes]], now: datetime) -> InvoiceImport:
    entries = [
        ImportFile(file_name=name, content=content, order_id=name.rsplit(".", 1)[0])
        for name, content in files
    ]
    item = InvoiceImport(
        import_id="IMP" + shop.serial("invoice-import", 5_000_000),
        created_at=now,
        updated_at=now,
        files=entries,
    )
    book(shop).imports[item.import_id] = item
    shop.count("invoices.imports")
    return item


def settle(shop: SellerShop, settings: FinanceSettings, now: datetime) -> None:
    """Finish every document and import whose processing time is over (order check, file
    check, upload)."""
    due = timedelta(seconds=settings.invoice_import_seconds)
    for document in book(shop).documents.values():
        if document.status == "Running" and now >= document.uploaded_at + due:
            document.status, document.integration_status = "Success", "Uploaded"
    for item in book(shop).imports.values():
        if item.status != "Running" or now < item.created_at + due:
            continue
        finished = item.created_at + due
        for entry in item.files:
            order = shop.orders.get(entry.order_id)
            if order is None or order.status not in VISIBLE_FROM:
                entry.status, entry.integration_status = "Failure", "OrderCheck"
                entry.errors = [f"{entry.file_name}: no order {entry.order_id} to invoice"]
                continue
            problem = file_problem(entry.file_name, entry.content, settings)
            if problem is not None:
                entry.status, entry.integration_status = "Failure", "FileCheck"
                entry.errors = [problem]
                continue
            store(
                shop,
                entry.order_id,
                entry.file_name,
                entry.content,
                finished,
                import_id=item.import_id,
            )
            entry.status, entry.integration_status = "Success", "Uploaded"
        statuses = {entry.status for entry in item.files}
        item.status = (
            "Success"
            if statuses == {"Success"}
            else "Failure"
            if "Success" not in statuses
            else "PartialSuccess"
        )
        item.updated_at = finished
