"""Customer invoice uploads: checked before anything is recorded, recorded before they are
sent, sent once even when an answer is lost, bulk ZIPs sending the valid files and reporting
the others, and Retry."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.finance import invoices
from cdlink.hub.finance.invoices import InvoiceFile, InvoiceFileError
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order, OrderInvoiceImport, OrderInvoiceUpload
from cdlink.sync.finance.actions import request_import, request_retry, request_upload
from tests.support.customer_service import seller_client
from tests.support.finance import run_until_success

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"
UBL = (
    b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
    b'Invoice-2"><ID>F-1</ID></Invoice>'
)


def _orders(shop: JobEnvironment, count: int) -> list[Order]:
    run_until_success(shop, "orders")
    with shop.database.reading() as session:
        query = select(Order).where(Order.status.in_(("Shipped", "Delivered"))).order_by(Order.id)
        return list(session.scalars(query.limit(count)))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("invoice.docx", b"PK\x03\x04 a word file", "not_invoice"),
        ("invoice.xml", b"<html><body>no</body></html>", "not_ubl"),
        ("big.pdf", PDF + b"0" * (30 * 1024 * 1024), "too_large"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_given_a_bad_file_when_uploading_then_it_is_refused_before_anything_is_recorded(
    shop: JobEnvironment, name: str, content: bytes, reason: str
) -> None:
    order = _orders(shop, 1)[0]
    with shop.database.session() as session, pytest.raises(InvoiceFileError) as refused:
        request_upload(
            session,
            session.merge(order),
            InvoiceFile(name, content),
            requested_by=None,
            now=shop.clock.now(),
        )
    assert refused.value.reason == reason
    with shop.database.reading() as session:
        assert session.scalars(select(OrderInvoiceUpload)).all() == []


def test_given_an_upload_whose_answer_is_lost_when_retried_then_it_is_sent_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    order = _orders(shop, 1)[0]
    with shop.database.session() as session:
        request_upload(
            session,
            session.merge(order),
            InvoiceFile("f.pdf", PDF),
            requested_by="seller@example.com",
            now=shop.clock.now(),
        )
    sandbox.add_fault({"kind": "drop_after", "endpoint": "order_invoices.upload", "count": 1})
    run_until_success(shop, "invoice_uploads")
    sandbox.clear_faults()

    with shop.database.reading() as session:
        upload = session.scalars(select(OrderInvoiceUpload)).one()
        assert upload.state == "done", upload.outcome
        assert upload.content is None
    with seller_client(shop) as client:
        documents = client.order_invoices.documents(order.marketplace_order_id)
    assert [document.file_name for document in documents] == ["f.pdf"]


def test_given_a_zip_with_good_and_bad_files_then_the_good_go_and_the_bad_are_reported(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    first, second = _orders(shop, 2)
    archive = _zip(
        {
            f"{first.marketplace_order_id}.pdf": PDF,
            f"{second.marketplace_order_id}.xml": UBL,
            "holiday-photo.pdf": PDF,
            "2699999999ZZZZZ.pdf": PDF,
            f"notes/{first.marketplace_order_id}.pdf": PDF,
            "2601010000AAAAA.txt": b"hello",
        }
    )
    with shop.database.session() as session:
        record = request_import(
            session, 1, "march.zip", archive, requested_by=None, now=shop.clock.now()
        )
        import_id = record.id
        refused = {
            item["file_name"]: item["reason"]
            for item in record.files
            if item["status"] == "refused"
        }
    assert refused == {
        "holiday-photo.pdf": "unknown_order",
        "2699999999ZZZZZ.pdf": "unknown_order",
        f"notes/{first.marketplace_order_id}.pdf": "in_folder",
        "2601010000AAAAA.txt": "bad_name",
    }
    run_until_success(shop, "invoice_uploads")
    sandbox_clock.advance(120)
    run_until_success(shop, "invoice_uploads")

    with shop.database.reading() as session:
        done = session.get_one(OrderInvoiceImport, import_id)
        assert done.state == "done"
        assert done.marketplace_status == "Success"
        uploads = session.scalars(select(OrderInvoiceUpload)).all()
        assert sorted(upload.state for upload in uploads) == ["done", "done"]
    assert sum(1 for r in sandbox.requests() if r["endpoint"] == "invoice_imports.create") == 1


def test_given_a_zip_with_no_valid_file_then_nothing_is_sent_and_each_is_reported(
    shop: JobEnvironment,
) -> None:
    with shop.database.session() as session:
        record = request_import(
            session, 1, "bad.zip", _zip({"x.doc": b"x"}), requested_by=None, now=shop.clock.now()
        )
        assert record.state == "failed"
        assert record.files[0]["reason"] == "bad_name"
    with shop.database.session() as session, pytest.raises(InvoiceFileError) as refused:
        request_import(session, 1, "bad.zip", b"not a zip", requested_by=None, now=shop.clock.now())
    assert refused.value.reason == "not_zip"


def test_given_a_failed_upload_when_retried_then_it_is_sent_again(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    order = _orders(shop, 1)[0]
    with shop.database.session() as session:
        request_upload(
            session,
            session.merge(order),
            InvoiceFile("f.pdf", PDF),
            requested_by=None,
            now=shop.clock.now(),
        )
    with shop.database.session() as session:
        failed = session.scalars(select(OrderInvoiceUpload)).one()
        # as the exporter records a refusal by the marketplace (the file kept for Retry)
        invoices.finish_upload(failed, succeeded=False, outcome="refused", now=shop.clock.now())
        failed.content = PDF
        session.flush()
        request_retry(session, failed, requested_by=None, now=shop.clock.now())
    run_until_success(shop, "invoice_uploads")
    with shop.database.reading() as session:
        states = [
            u.state
            for u in session.scalars(select(OrderInvoiceUpload).order_by(OrderInvoiceUpload.id))
        ]
    assert states == ["failed", "done"]
