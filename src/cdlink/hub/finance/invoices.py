"""Customer invoices the seller uploads: one per order (PDF or UBL 2.1), or a ZIP in bulk.

Every file is checked before anything is recorded: a PDF (``%PDF-``) or a UBL 2.1 ``Invoice`` /
``CreditNote`` (XML without DTD or entities), not empty, at most ``MAX_BYTES``, for an order
cdlink knows. A ZIP entry must be named ``<order id>.pdf`` or ``.xml`` at the archive's root. In a
bulk import the valid files go and each refused one is reported with its reason (``refused``).

``record_upload`` / ``record_import`` write the upload *before* it is sent (the sync layer adds
the outbox entry in the same transaction); ``finish_upload`` records the marketplace's answer;
``retry`` records the same file again.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store.models import Order, OrderInvoiceImport, OrderInvoiceUpload

MAX_BYTES = 10 * 1024 * 1024
"""The largest invoice file sent (the marketplace's limit is not published: 10 MB assumed)."""
MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_FILES = 1000
PDF_MAGIC = b"%PDF-"
UBL_NAMESPACES = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
)
PENDING, SENT, DONE, FAILED = "pending", "sent", "done", "failed"
REFUSED = "refused"

#: Why a file is refused: reason code → the English sentence the pages translate.
REASONS: dict[str, str] = {
    "empty": translatable("the file is empty"),
    "too_large": translatable("the file is larger than 10 MB"),
    "not_invoice": translatable("the file is neither a PDF nor a UBL 2.1 XML invoice"),
    "bad_xml": translatable("the file is not well-formed XML"),
    "not_ubl": translatable("the file is XML but not a UBL 2.1 Invoice or CreditNote"),
    "bad_name": translatable("a file in a ZIP must be named after its order id, then .pdf or .xml"),
    "in_folder": translatable("a file in a ZIP must be at the root of the archive"),
    "duplicate": translatable("the ZIP holds two files for the same order"),
    "unknown_order": translatable("cdlink knows no order with this id"),
    "not_zip": translatable("the archive is not a readable ZIP"),
    "empty_zip": translatable("the ZIP holds no file"),
    "too_many": translatable("the ZIP holds more than 1,000 files"),
    "zip_too_large": translatable("the ZIP is larger than 200 MB"),
    "not_base64": translatable("the file's content is not valid base64"),
    "not_failed": translatable("only a failed upload can be sent again"),
}


class InvoiceFileError(CdlinkError):
    """An invoice file or archive that cdlink refuses; nothing was recorded or sent."""

    default_hint = translatable(
        "Upload a PDF or a UBL 2.1 XML invoice of at most 10 MB, for an order cdlink imported."
    )

    def __init__(self, reason: str, file_name: str | None = None) -> None:
        super().__init__(REASONS[reason])
        self.reason = reason
        self.file_name = file_name


@dataclass(frozen=True)
class InvoiceFile:
    file_name: str
    content: bytes


@dataclass
class BulkCheck:
    """A ZIP's files sorted into the ones that go and the ones refused (with their reason)."""

    accepted: list[tuple[Order, InvoiceFile]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)


def problem(content: bytes) -> str | None:
    """The reason code why ``content`` is not an invoice cdlink sends, or None."""
    if not content:
        return "empty"
    if len(content) > MAX_BYTES:
        return "too_large"
    if content.startswith(PDF_MAGIC):
        return None
    return ubl_problem(content)


def ubl_problem(content: bytes) -> str | None:
    if content.lstrip()[:1] != b"<" or b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        return "not_invoice"
    try:
        root = ET.fromstring(content)  # noqa: S314  (DTDs and entities refused above)
    except ET.ParseError:
        return "bad_xml"
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    if namespace not in UBL_NAMESPACES or local not in ("Invoice", "CreditNote"):
        return "not_ubl"
    return None


def content_type(content: bytes) -> str:
    return "application/pdf" if content.startswith(PDF_MAGIC) else "application/xml"


def check_file(file: InvoiceFile) -> str:
    """The content type of an acceptable invoice, or ``InvoiceFileError``."""
    reason = problem(file.content)
    if reason is not None:
        raise InvoiceFileError(reason, file.file_name)
    return content_type(file.content)


def find_order(session: Session, connection_id: int | None, order_id: str) -> Order | None:
    query = select(Order).where(Order.marketplace_order_id == order_id)
    if connection_id is not None:
        query = query.where(Order.connection_id == connection_id)
    return session.scalars(query.order_by(Order.id).limit(1)).first()


def record_upload(
    session: Session,
    order: Order,
    file: InvoiceFile,
    *,
    requested_by: str | None,
    now: datetime,
    invoice_import: OrderInvoiceImport | None = None,
) -> OrderInvoiceUpload:
    """Check the file and record its upload for ``order`` (pending)."""
    kind = check_file(file)
    upload = OrderInvoiceUpload(
        connection_id=order.connection_id,
        order_id=order.id,
        import_id=invoice_import.id if invoice_import is not None else None,
        file_name=file.file_name,
        content_type=kind,
        size=len(file.content),
        content=file.content if invoice_import is None else None,
        state=PENDING,
        requested_by=requested_by,
        requested_at=now,
        updated_at=now,
    )
    session.add(upload)
    session.flush()
    return upload


def read_zip(session: Session, connection_id: int | None, archive: bytes) -> BulkCheck:
    """Sort the files of ``archive`` into accepted (with their order) and refused."""
    if len(archive) > MAX_ZIP_BYTES:
        raise InvoiceFileError("zip_too_large")
    try:
        opened = zipfile.ZipFile(io.BytesIO(archive))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvoiceFileError("not_zip") from None
    check = BulkCheck()
    with opened:
        entries = [info for info in opened.infolist() if not info.is_dir()]
        if not entries:
            raise InvoiceFileError("empty_zip")
        if len(entries) > MAX_ZIP_FILES:
            raise InvoiceFileError("too_many")
        seen: set[str] = set()
        for info in entries:
            reason, order = _entry(session, connection_id, info, seen)
            content = b""
            if reason is None:
                try:
                    content = opened.read(info)
                except (zipfile.BadZipFile, OSError, ValueError):
                    reason = "not_zip"
                else:
                    reason = problem(content)
            if reason is not None or order is None:
                stem = info.filename.rpartition(".")[0]
                check.refused.append(
                    {
                        "file_name": info.filename,
                        "order_id": stem or None,
                        "status": REFUSED,
                        "reason": reason,
                        "errors": [],
                    }
                )
            else:
                check.accepted.append((order, InvoiceFile(info.filename, content)))
    return check


def _entry(
    session: Session, connection_id: int | None, info: zipfile.ZipInfo, seen: set[str]
) -> tuple[str | None, Order | None]:
    """Why a ZIP entry is refused by its name or size (or None), and its order."""
    name = info.filename
    stem, dot, extension = name.rpartition(".")
    if "/" in name or "\\" in name:
        return "in_folder", None
    if not dot or extension.lower() not in ("pdf", "xml") or not stem:
        return "bad_name", None
    if stem in seen:
        return "duplicate", None
    if info.file_size > MAX_BYTES:
        return "too_large", None
    seen.add(stem)
    order = find_order(session, connection_id, stem)
    return ("unknown_order", None) if order is None else (None, order)


def build_zip(files: list[InvoiceFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.file_name, file.content)
    return buffer.getvalue()


def record_import(
    session: Session,
    connection_id: int,
    file_name: str,
    check: BulkCheck,
    *,
    requested_by: str | None,
    now: datetime,
) -> OrderInvoiceImport:
    """Record a bulk import of the accepted files (pending); refused ones are kept as its
    report. An import with no acceptable file is recorded as failed and sends nothing."""
    files: list[dict[str, Any]] = [
        {
            "file_name": f.file_name,
            "order_id": o.marketplace_order_id,
            "status": PENDING,
            "reason": None,
            "errors": [],
        }
        for o, f in check.accepted
    ]
    record = OrderInvoiceImport(
        connection_id=connection_id,
        file_name=file_name,
        state=PENDING if check.accepted else FAILED,
        content=build_zip([f for _, f in check.accepted]) if check.accepted else None,
        files=files + check.refused,
        outcome=None if check.accepted else "no file could be sent",
        requested_by=requested_by,
        requested_at=now,
        finished_at=None if check.accepted else now,
    )
    session.add(record)
    session.flush()
    for order, file in check.accepted:
        record_upload(
            session, order, file, requested_by=requested_by, now=now, invoice_import=record
        )
    return record


def finish_upload(
    upload: OrderInvoiceUpload,
    *,
    succeeded: bool,
    outcome: str,
    now: datetime,
    document_id: str | None = None,
) -> None:
    upload.state = DONE if succeeded else FAILED
    upload.outcome = outcome
    upload.document_id = document_id
    upload.finished_at = upload.updated_at = now
    if succeeded:
        upload.content = None


def retry(
    session: Session, upload: OrderInvoiceUpload, *, requested_by: str | None, now: datetime
) -> OrderInvoiceUpload:
    """Record the failed upload's file again, on its own (not in a bulk import)."""
    if upload.state != FAILED:
        raise InvoiceFileError("not_failed", upload.file_name)
    content = upload.content
    if content is None and upload.import_id is not None:
        content = _from_import(session, upload)
    if content is None:
        raise InvoiceFileError("empty", upload.file_name)
    order = session.get_one(Order, upload.order_id)
    return record_upload(
        session,
        order,
        InvoiceFile(upload.file_name, content),
        requested_by=requested_by,
        now=now,
    )


def _from_import(session: Session, upload: OrderInvoiceUpload) -> bytes | None:
    record = session.get(OrderInvoiceImport, upload.import_id)
    if record is None or record.content is None:
        return None
    with zipfile.ZipFile(io.BytesIO(record.content)) as archive:
        try:
            return archive.read(upload.file_name)
        except KeyError:
            return None


def latest_upload(session: Session, order_id: int) -> OrderInvoiceUpload | None:
    query = (
        select(OrderInvoiceUpload)
        .where(OrderInvoiceUpload.order_id == order_id)
        .order_by(OrderInvoiceUpload.requested_at.desc(), OrderInvoiceUpload.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()
