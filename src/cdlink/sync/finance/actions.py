"""Sending customer invoices: recorded first, sent by the engine, outcome read back.

``request_upload`` (one order), ``request_import`` (a ZIP: the valid files go, the others are
reported) and ``request_retry`` check the files (``cdlink.hub.finance.invoices``), record the
upload and add an outbox entry for the ``invoice_uploads`` stream in the caller's transaction.

``InvoiceUploadsExporter`` drains those entries. An upload attempted before (its answer lost) is
first looked up among the order's documents, and an import among the imports, so a file that
arrived is never sent twice. A refusal (4xx, a rule the client checks) is an answer: the upload
fails with its reason (Retry sends it again). A transport or server error fails the run; the
failure policy retries it. Each run also follows the bulk imports still ``Running`` at the
marketplace and records each file's outcome on its order. What Cdiscount holds for an order is
read back too (``cdlink.sync.finance.invoice_states``): the document an upload returns is
stored with its status, and each run reads again those Cdiscount is still checking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.finance import invoice_states as states
from cdlink.hub.finance import invoices
from cdlink.octopia import Conflict, Forbidden, InvalidRequest, NotFound, RuleViolation
from cdlink.octopia.models import InvoiceImport, OrderInvoiceDocument
from cdlink.store.models import Order, OrderInvoiceImport, OrderInvoiceUpload
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.finance import invoice_states

STREAM = "invoice_uploads"
_ANSWERS = (InvalidRequest, Conflict, NotFound, Forbidden, RuleViolation)
_SKEW = timedelta(minutes=5)


def _queue(
    session: Session, connection_id: int, key: str, payload: dict[str, int], now: datetime
) -> None:
    outbox.add(
        session,
        connection_id=connection_id,
        stream=STREAM,
        key=key,
        payload=payload,
        now=now,
    )


def request_upload(
    session: Session,
    order: Order,
    file: invoices.InvoiceFile,
    *,
    requested_by: str | None,
    now: datetime,
) -> OrderInvoiceUpload:
    upload = invoices.record_upload(session, order, file, requested_by=requested_by, now=now)
    _queue(session, order.connection_id, f"invoice:{upload.id}", {"upload_id": upload.id}, now)
    return upload


def request_import(
    session: Session,
    connection_id: int,
    file_name: str,
    archive: bytes,
    *,
    requested_by: str | None,
    now: datetime,
) -> OrderInvoiceImport:
    check = invoices.read_zip(session, connection_id, archive)
    record = invoices.record_import(
        session, connection_id, file_name, check, requested_by=requested_by, now=now
    )
    if record.state == invoices.PENDING:
        _queue(session, connection_id, f"invoice_import:{record.id}", {"import_id": record.id}, now)
    return record


def request_retry(
    session: Session, upload: OrderInvoiceUpload, *, requested_by: str | None, now: datetime
) -> OrderInvoiceUpload:
    again = invoices.retry(session, upload, requested_by=requested_by, now=now)
    _queue(session, again.connection_id, f"invoice:{again.id}", {"upload_id": again.id}, now)
    return again


class InvoiceUploadsExporter(OutboxExporter):
    """Sends invoice uploads and bulk imports, and follows the imports still running."""

    name = STREAM
    kind = "invoice_upload"
    default_interval = 300  # follows running imports; costs no call when none is running

    def run(self, context: StreamContext) -> None:
        super().run(context)
        self.follow_imports(context)
        invoice_states.follow_running(context)

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        outcomes = {}
        for push in pushes:
            if "upload_id" in push.payload:
                self.send_upload(context, int(push.payload["upload_id"]))
            else:
                self.send_import(context, int(push.payload["import_id"]))
            outcomes[push.entry_id] = PushOutcome(confirmed=True)
        return outcomes

    def send_upload(self, context: StreamContext, upload_id: int) -> None:
        with context.transaction() as session:
            upload = session.get_one(OrderInvoiceUpload, upload_id)
            if upload.state != invoices.PENDING or upload.content is None:
                return
            retried = upload.attempted_at is not None
            upload.attempted_at = upload.updated_at = context.clock.now()
            order_id = session.get_one(Order, upload.order_id).marketplace_order_id
            file_name, content, since = upload.file_name, upload.content, upload.requested_at
        service = context.client().order_invoices
        sent: OrderInvoiceDocument | None = None
        if retried:
            for document in service.documents(order_id):
                dated = document.uploaded_at is None or document.uploaded_at >= since - _SKEW
                if document.file_name == file_name and dated:
                    sent = document
        try:
            if sent is None:
                sent = service.upload(order_id, file_name, content)
            succeeded, outcome = True, "uploaded"
        except _ANSWERS as answer:
            succeeded, outcome = False, str(answer)
        with context.transaction() as session:
            upload = session.get_one(OrderInvoiceUpload, upload_id)
            invoices.finish_upload(
                upload,
                succeeded=succeeded,
                outcome=outcome,
                now=context.clock.now(),
                document_id=sent.document_id if succeeded and sent is not None else None,
            )
            if succeeded and sent is not None:
                states.record(
                    session,
                    upload.connection_id,
                    upload.order_id,
                    invoice_states.draft(sent),
                    context.clock.now(),
                )
        context.count(**{"uploaded" if succeeded else "refused_by_marketplace": 1})

    def send_import(self, context: StreamContext, import_id: int) -> None:
        with context.transaction() as session:
            record = session.get_one(OrderInvoiceImport, import_id)
            if record.state != invoices.PENDING or record.content is None:
                return
            retried = record.attempted_at is not None
            record.attempted_at = context.clock.now()
            archive, file_name, since = record.content, record.file_name, record.requested_at
            names = {item["file_name"] for item in record.files if item["status"] != "refused"}
        service = context.client().order_invoices
        found: InvoiceImport | None = None
        if retried:
            for item in service.imports():
                dated = item.created_at is None or item.created_at >= since - _SKEW
                if dated and {entry.file_name for entry in item.files} == names:
                    found = item
        try:
            if found is None:
                found = service.import_zip(archive, file_name=file_name)
        except _ANSWERS as answer:
            with context.transaction() as session:
                self._fail_import(session, import_id, str(answer), context.clock.now())
            context.count(refused_by_marketplace=1)
            return
        with context.transaction() as session:
            self._record_import(session, import_id, found, context.clock.now())
        context.count(imports_sent=1)

    def follow_imports(self, context: StreamContext) -> None:
        with context.database.reading() as session:
            running = list(
                session.execute(
                    select(OrderInvoiceImport.id, OrderInvoiceImport.marketplace_import_id).where(
                        OrderInvoiceImport.connection_id == context.connection_id,
                        OrderInvoiceImport.state == invoices.SENT,
                    )
                )
            )
        if not running:
            return
        service = context.client().order_invoices
        for import_id, marketplace_id in running:
            found = service.get_import(str(marketplace_id))
            with context.transaction() as session:
                self._record_import(session, import_id, found, context.clock.now())
            context.made_progress()

    @staticmethod
    def _fail_import(session: Session, import_id: int, reason: str, now: datetime) -> None:
        record = session.get_one(OrderInvoiceImport, import_id)
        record.state, record.outcome, record.finished_at = invoices.FAILED, reason, now
        for upload in session.scalars(
            select(OrderInvoiceUpload).where(
                OrderInvoiceUpload.import_id == import_id,
                OrderInvoiceUpload.state == invoices.PENDING,
            )
        ):
            invoices.finish_upload(upload, succeeded=False, outcome=reason, now=now)

    @staticmethod
    def _record_import(
        session: Session, import_id: int, found: InvoiceImport, now: datetime
    ) -> None:
        record = session.get_one(OrderInvoiceImport, import_id)
        record.marketplace_import_id = found.import_id
        record.marketplace_status = str(found.status)
        by_name = {entry.file_name: entry for entry in found.files}
        files = []
        for item in record.files:
            entry = by_name.get(item["file_name"])
            if entry is not None and item["status"] != invoices.REFUSED:
                files.append({**item, "status": str(entry.status), "errors": list(entry.errors)})
            else:
                files.append(item)
        record.files = files
        uploads = session.scalars(
            select(OrderInvoiceUpload).where(OrderInvoiceUpload.import_id == import_id)
        )
        for upload in uploads:
            entry = by_name.get(upload.file_name)
            if entry is None or upload.state != invoices.PENDING:
                continue
            if str(entry.status) == "Success":
                invoices.finish_upload(upload, succeeded=True, outcome="uploaded", now=now)
            elif str(entry.status) == "Failure":
                reason = "; ".join(entry.errors) or "refused by Cdiscount"
                invoices.finish_upload(upload, succeeded=False, outcome=reason, now=now)
        if found.finished:
            record.state, record.finished_at = invoices.DONE, now
            record.outcome = str(found.status)
        else:
            record.state = invoices.SENT
