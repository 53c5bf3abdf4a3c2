"""The finance and invoices API: operations paged by key, payouts with the next expected one, the
reconciliation listing the planted discrepancies, CSV exports in both dialects, invoice uploads
refused with their reason or recorded and sent."""

from __future__ import annotations

import base64
import io
import zipfile
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order
from tests.support.finance import planted, run_until_success

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


def test_given_imported_finance_when_listing_operations_then_pages_follow_by_key(
    api: TestClient,
) -> None:
    first = api.get("/api/v1/finance/operations", params={"limit": 5})
    assert first.status_code == 200
    body = first.json()
    assert len(body["items"]) == 5
    second = api.get("/api/v1/finance/operations", params={"limit": 5, "after": body["next_after"]})
    ids = {item["id"] for item in body["items"]} | {item["id"] for item in second.json()["items"]}
    assert len(ids) == 10
    sales = api.get("/api/v1/finance/operations", params={"event_type": "Sale", "limit": 200})
    assert all(Decimal(item["amount"]) > 0 for item in sales.json()["items"])


def test_given_payouts_then_each_paid_one_matches_and_the_next_is_announced(
    api: TestClient,
) -> None:
    body = api.get("/api/v1/finance/payouts").json()
    paid = [item for item in body["items"] if item["state"] == "Paid"]
    assert paid
    assert all(item["matches"] is True and Decimal(item["difference"]) == 0 for item in paid)
    upcoming = body["next_expected"]
    assert upcoming is None or upcoming["state"] != "Paid"
    payout_id = paid[0]["id"]
    operations = api.get(f"/api/v1/finance/payouts/{payout_id}/operations").json()["items"]
    total = sum(Decimal(item["amount"]) for item in operations)
    assert total == Decimal(paid[0]["amount"])


def test_given_planted_discrepancies_then_the_reconciliation_lists_exactly_them(
    api: TestClient, sandbox: Sandbox
) -> None:
    body = api.get("/api/v1/finance/reconciliation").json()
    found = {(item["kind"], item["reference"]) for item in body["differences"]}
    assert found == planted(sandbox)
    difference_id = body["differences"][0]["id"]
    assert api.post(f"/api/v1/finance/reconciliation/{difference_id}/review").status_code == 204
    after = api.get("/api/v1/finance/reconciliation").json()
    assert len(after["differences"]) == len(found) - 1


def test_given_the_french_excel_variant_then_semicolons_decimal_commas_and_windows_1252(
    api: TestClient,
) -> None:
    standard = api.get("/api/v1/finance/exports/operations")
    french = api.get("/api/v1/finance/exports/operations", params={"dialect": "excel-fr"})
    assert standard.status_code == french.status_code == 200
    assert "charset=windows-1252" in french.headers["content-type"]
    header, first = standard.content.decode("utf-8").splitlines()[:2]
    assert header.startswith("operation_id,date,type")
    french_rows = french.content.decode("cp1252").splitlines()
    assert french_rows[0].startswith("operation_id;date;type")
    amount = first.split(",")[6]
    assert french_rows[1].split(";")[6] == amount.replace(".", ",")
    payouts = api.get("/api/v1/finance/exports/payouts", params={"dialect": "excel-fr"})
    assert payouts.content.decode("cp1252").startswith("payment_id;date;state")


def test_given_bad_invoices_then_each_is_refused_with_its_reason(
    api: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
    big = base64.b64encode(PDF + b"0" * (30 * 1024 * 1024)).decode()
    cases = [
        (
            {
                "order_id": order.marketplace_order_id,
                "file_name": "a.docx",
                "content": base64.b64encode(b"PK\x03\x04 word").decode(),
            },
            "PDF",
        ),
        (
            {
                "order_id": "2699999999ZZZZZ",
                "file_name": "a.pdf",
                "content": base64.b64encode(PDF).decode(),
            },
            "no order",
        ),
    ]
    for body, words in cases:
        answer = api.post("/api/v1/invoices", json=body)
        assert answer.status_code == 422, answer.text
        assert words in answer.json()["title"] + answer.json().get("detail", ""), answer.json()
    too_big = api.post(
        f"/api/v1/orders/{order.id}/invoice", files={"file": ("big.pdf", base64.b64decode(big))}
    )
    assert too_big.status_code == 422
    assert api.get("/api/v1/invoices").json()["uploads"] == []


def test_given_a_valid_invoice_when_uploaded_then_it_is_sent_and_the_order_shows_it(
    api: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        order = session.scalars(
            select(Order).where(Order.status.in_(("Shipped", "Delivered"))).order_by(Order.id)
        ).first()
        assert order is not None
    before = api.get("/api/v1/invoices").json()["without_invoice"]
    assert order.id in {item["order_id"] for item in before}
    answer = api.post(f"/api/v1/orders/{order.id}/invoice", files={"file": ("f.pdf", PDF)})
    assert answer.status_code == 202
    assert answer.json()["state"] == "pending"
    run_until_success(shop, "invoice_uploads")

    status = api.get(f"/api/v1/orders/{order.id}/invoice").json()
    assert status["has_invoice"] is True
    after = api.get("/api/v1/invoices").json()["without_invoice"]
    assert order.id not in {item["order_id"] for item in after}


def test_given_a_zip_with_a_stray_file_then_the_valid_files_go_and_the_stray_is_reported(
    api: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{order.marketplace_order_id}.pdf", PDF)
        archive.writestr("readme.txt", b"hello")
    answer = api.post(
        "/api/v1/invoices/imports", files={"archive": ("march.zip", buffer.getvalue())}
    )
    assert answer.status_code == 202, answer.text
    files = {item["file_name"]: item for item in answer.json()["files"]}
    assert files["readme.txt"]["status"] == "refused"
    assert files["readme.txt"]["reason"] == "bad_name"
    assert files[f"{order.marketplace_order_id}.pdf"]["status"] == "pending"
