"""Sandbox finance: operations consistent with orders, payouts that add up, planted
discrepancies, order invoice uploads and bulk imports, faults on the new routes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.sandbox.config import FinanceSettings
from tests.support.sandbox_api import decimal_json, fetch_token

DAY = 86400.0
PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"
UBL = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
    b"<ID>F-1</ID></Invoice>"
)


def connect(sandbox: Sandbox) -> httpx.Client:
    """A fresh token now (the clock moves by days in these tests)."""
    credentials = sandbox.credentials
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as raw:
        token = fetch_token(raw, credentials.client_id, credentials.client_secret)
    headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}
    return httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url(), headers=headers)


@pytest.fixture
def aged(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """The seeded shop 40 days later: orders delivered, payouts made, invoices issued."""
    sandbox.advance(40 * DAY)
    with connect(sandbox) as client:
        yield client


def every(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    index = 1
    while True:
        response = client.get(path, params={**params, "pageIndex": index, "pageSize": 100})
        assert response.status_code == 200, response.text
        items = decimal_json(response)["items"]
        found += items
        if len(items) < 100:
            return found
        index += 1


def lines_by_key(client: httpx.Client, order_ids: set[str]) -> dict[str, dict[str, Any]]:
    lines = {}
    for order_id in order_ids:
        order = decimal_json(client.get(f"/orders/{order_id}"))
        for line in order["lines"]:
            lines[f"{order_id}-{line['orderLineId']}"] = line
    return lines


def test_given_an_aged_shop_when_listing_operations_then_every_sale_matches_an_order_line(
    sandbox: Sandbox, aged: httpx.Client
) -> None:
    operations = every(aged, "/operations")
    sales = [op for op in operations if op["eventType"] == "Sale"]
    lines = lines_by_key(aged, {op["operationReference"] for op in sales})

    assert sales
    for sale in sales:
        line = lines[f"{sale['operationReference']}-{sale['orderLineId']}"]
        assert sale["grossAmount"] == line["totalPrice"]["offerPrice"]
        assert sale["sale"]["amountWithVat"] == sale["grossAmount"]
    assert int(aged.get("/operations/count").text) == len(operations)


def test_given_an_aged_shop_when_listing_operations_then_the_order_is_stable_by_date_and_id(
    aged: httpx.Client,
) -> None:
    operations = every(aged, "/operations")
    keys = [(op["operationDate"], op["operationId"]) for op in operations]

    assert keys == sorted(keys)
    assert len({op["operationId"] for op in operations}) == len(operations)
    paged = every(aged, "/operations", pageSize=7)
    assert [op["operationId"] for op in paged] == [op["operationId"] for op in operations]


def test_given_an_aged_shop_when_reading_payouts_then_each_sums_its_operations_to_the_cent(
    aged: httpx.Client,
) -> None:
    payments = every(aged, "/payments")

    assert any(payment["paymentState"] == "Paid" for payment in payments)
    for payment in payments:
        day = payment["paymentDate"][8:10]
        assert day in ("01", "11", "21")
        operations = every(aged, "/operations", paymentId=payment["paymentId"])
        total = sum((op["grossAmount"] for op in operations), Decimal("0.00"))
        assert total == payment["grossAmount"]
        assert len(operations) == payment["operationCount"]
        assert {op["paymentState"] for op in operations} == {payment["paymentState"]}


def test_given_planted_discrepancies_when_checking_then_exactly_the_configured_ones_are_found(
    sandbox: Sandbox, aged: httpx.Client
) -> None:
    operations = every(aged, "/operations")
    commissions = [op for op in operations if op["eventType"] == "Commission"]
    lines = lines_by_key(aged, {op["operationReference"] for op in commissions})
    wrong = [
        op["operationId"]
        for op in commissions
        if op["commission"]["rate"]
        != lines[f"{op['operationReference']}-{op['orderLineId']}"]["offerPrice"]["commission"][
            "rate"
        ]
    ]
    unpaid = [
        op["operationId"]
        for op in operations
        if op["eventType"] == "Sale" and op["releasePaymentDate"] and op["paymentId"] is None
    ]
    planted = sandbox.finance_discrepancies()

    assert wrong == [item["operationId"] for item in planted["wrongCommissions"]]
    assert len(wrong) == 1
    assert unpaid == [item["operationId"] for item in planted["unpaidSales"]]
    assert len(unpaid) == 1
    blocked = next(op for op in operations if op["operationId"] == unpaid[0])
    assert blocked["paymentState"] == "Blocked"


@pytest.mark.parametrize(
    "config",
    [SandboxConfig(seed=7, finance=FinanceSettings(wrong_commission_orders=0, unpaid_sales=0))],
)
def test_given_no_planted_discrepancy_when_checking_then_commissions_and_sales_are_right(
    sandbox: Sandbox, aged: httpx.Client
) -> None:
    operations = every(aged, "/operations")

    assert sandbox.finance_discrepancies() == {"wrongCommissions": [], "unpaidSales": []}
    assert not [op for op in operations if op["paymentState"] == "Blocked"]


def test_given_a_refund_and_a_gesture_when_a_day_passes_then_refund_operations_appear(
    sandbox: Sandbox,
) -> None:
    refunded, gestured = sandbox.create_orders(2, status="Delivered")
    with connect(sandbox) as client:
        cancel = client.post(
            "/order-cancellation-requests",
            json={
                "orderSellerId": refunded,
                "reason": "CustomerRequest",
                "shippingCostRefund": True,
            },
        )
        assert cancel.status_code < 300, cancel.text
        gesture = client.post(
            "/order-commercial-gesture-requests",
            json={"orderId": gestured, "reason": "LateDelivery", "amount": 5},
        )
        assert gesture.status_code == 201, gesture.text
    before = len(every(connect(sandbox), "/operations", eventType="Refund"))
    sandbox.advance(2 * DAY)
    with connect(sandbox) as client:
        refunds = every(client, "/operations", eventType="Refund")

    assert before == 0
    assert {op["operationReference"] for op in refunds} == {refunded, gestured}
    gesture_refund = next(op for op in refunds if op["operationReference"] == gestured)
    assert gesture_refund["grossAmount"] == Decimal("-5.00")


def test_given_the_unsigned_variant_when_listing_then_every_amount_is_positive(
    sandbox: Sandbox, aged: httpx.Client
) -> None:
    sandbox.set_variants(finance_amounts="unsigned")

    operations = every(aged, "/operations")

    assert all(op["grossAmount"] >= 0 for op in operations)
    assert any(op["eventType"] == "Commission" for op in operations)


def test_given_the_on_demand_variant_when_listing_payouts_then_they_are_daily(
    sandbox: Sandbox, aged: httpx.Client
) -> None:
    calendar_days = {p["paymentDate"][8:10] for p in every(aged, "/payments")}
    sandbox.set_variants(payout_schedule="on_demand")

    on_demand_days = {p["paymentDate"][8:10] for p in every(aged, "/payments")}

    assert calendar_days <= {"01", "11", "21"}
    assert not on_demand_days <= {"01", "11", "21"}


def test_given_commission_invoices_when_reading_details_then_they_add_up_to_the_invoice(
    aged: httpx.Client,
) -> None:
    invoices = every(aged, "/invoice-documents")

    assert invoices
    for invoice in invoices:
        path = f"/invoices/{invoice['invoiceId']}"
        details = every(aged, path + "/details")
        assert sum((d["amountWithVat"] for d in details), Decimal(0)) == invoice["amountWithVat"]
        assert int(aged.get(path + "/details/count").text) == len(details)
        assert invoice["invoiceDate"][8:10] in ("09", "19", "29")
    document = aged.get(f"/invoices/{invoices[0]['invoiceId']}/documents")
    assert document.headers["content-type"] == "application/pdf"
    assert document.content.startswith(b"%PDF-")
    assert aged.get("/invoices/999/details").status_code == 404


# --- order invoice documents --------------------------------------------------------------------
def upload(client: httpx.Client, order_id: str, name: str, content: bytes) -> httpx.Response:
    return client.post(
        f"/orders/{order_id}/invoice-documents", files={"file": (name, content, "application/pdf")}
    )


def test_given_an_uploaded_invoice_when_uploading_again_then_the_new_one_replaces_it(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    first = upload(api, order_id, "a.pdf", PDF)
    second = upload(api, order_id, "b.xml", UBL)
    listed = api.get(f"/orders/{order_id}/invoice-documents").json()["items"]

    assert first.status_code == second.status_code == 201
    assert [item["documentId"] for item in listed] == [second.json()["documentId"]]
    assert listed[0]["contentType"] == "application/xml"


def test_given_an_uploaded_invoice_when_its_check_time_passes_then_its_status_turns_success(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    sent = upload(api, order_id, "a.pdf", PDF).json()
    checking = api.get(f"/orders/{order_id}/invoice-documents").json()["items"]
    sandbox.advance(sandbox.config.finance.invoice_import_seconds + 1)
    checked = api.get(f"/orders/{order_id}/invoice-documents").json()["items"]

    assert (sent["status"], sent["integrationStatus"]) == ("Running", "FileCheck")
    assert [item["status"] for item in checking] == ["Running"]
    assert [(item["status"], item["integrationStatus"]) for item in checked] == [
        ("Success", "Uploaded")
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.pdf", b"GIF89a not a pdf"),
        ("x.xml", b"<Invoice><ID>1</ID></Invoice>"),
        ("x.xml", b"<Invoice"),
        ("x.pdf", b""),
    ],
)
def test_given_a_bad_file_when_uploading_then_it_is_refused_naming_the_file(
    sandbox: Sandbox, api: httpx.Client, name: str, content: bytes
) -> None:
    order_id = sandbox.create_orders(1, status="Shipped")[0]

    response = upload(api, order_id, name, content)

    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert api.get(f"/orders/{order_id}/invoice-documents").json()["items"] == []


def test_given_an_unknown_or_unaccepted_order_when_uploading_then_404_422_or_415(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    waiting = sandbox.create_orders(1, status="WaitingAcceptance")[0]
    shipped = sandbox.create_orders(1, status="Shipped")[0]

    assert upload(api, "NOPE0000000", "a.pdf", PDF).status_code == 404
    assert upload(api, waiting, "a.pdf", PDF).status_code == 422
    assert api.post(f"/orders/{shipped}/invoice-documents", json={}).status_code == 415


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_given_a_zip_with_a_bad_entry_when_imported_then_running_then_partial_success(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    good, other = sandbox.create_orders(2, status="Shipped")
    archive = zipped({f"{good}.pdf": PDF, f"{other}.xml": b"not xml", "UNKNOWN000.pdf": PDF})

    created = api.post(
        "/order-invoice-imports", files={"file": ("i.zip", archive, "application/zip")}
    )
    running = created.json()
    sandbox.advance(61)
    done = api.get(f"/order-invoice-imports/{running['importId']}").json()

    assert created.status_code == 201
    assert running["status"] == "Running"
    assert {f["status"] for f in running["files"]} == {"Running"}
    assert done["status"] == "PartialSuccess"
    statuses = {f["fileName"]: (f["status"], f["integrationStatus"]) for f in done["files"]}
    assert statuses == {
        f"{good}.pdf": ("Success", "Uploaded"),
        f"{other}.xml": ("Failure", "FileCheck"),
        "UNKNOWN000.pdf": ("Failure", "OrderCheck"),
    }
    listed = api.get(f"/orders/{good}/invoice-documents").json()["items"]
    assert listed[0]["importId"] == running["importId"]


def test_given_only_good_or_only_bad_files_when_imported_then_success_or_failure(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    good = api.post(
        "/order-invoice-imports",
        files={"file": ("i.zip", zipped({f"{order_id}.pdf": PDF}), "application/zip")},
    ).json()
    bad = api.post(
        "/order-invoice-imports",
        files={"file": ("i.zip", zipped({"NOPE00000.pdf": PDF}), "application/zip")},
    ).json()
    sandbox.advance(61)

    assert api.get(f"/order-invoice-imports/{good['importId']}").json()["status"] == "Success"
    assert api.get(f"/order-invoice-imports/{bad['importId']}").json()["status"] == "Failure"
    assert (
        api.post(
            "/order-invoice-imports", files={"file": ("i.zip", b"PK broken", "application/zip")}
        ).status_code
        == 400
    )


@pytest.mark.parametrize("paging", ["cursor", "page"])
def test_given_many_imports_when_listing_then_each_variant_pages_them_all(
    sandbox: Sandbox, api: httpx.Client, paging: str
) -> None:
    sandbox.set_variants(invoice_imports_paging=paging)
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    for _ in range(5):
        api.post(
            "/order-invoice-imports", files={"file": (f"{order_id}.pdf", PDF, "application/pdf")}
        )

    first = api.get("/order-invoice-imports", params={"pageSize": 2})

    assert len(first.json()["items"]) == 2
    assert ("link" in first.headers) == (paging == "cursor")


@pytest.mark.parametrize(
    "endpoint",
    [
        "operations.list",
        "payments.list",
        "invoices.list",
        "order_invoices.upload",
        "invoice_imports.get",
    ],
)
def test_given_a_fault_on_a_finance_route_when_called_then_the_gateway_answers_it(
    sandbox: Sandbox, api: httpx.Client, endpoint: str
) -> None:
    sandbox.add_fault({"kind": "status", "endpoint": endpoint, "status": 503, "count": 1})
    order_id = sandbox.create_orders(1, status="Shipped")[0]
    calls = {
        "operations.list": lambda: api.get("/operations"),
        "payments.list": lambda: api.get("/payments"),
        "invoices.list": lambda: api.get("/invoice-documents"),
        "order_invoices.upload": lambda: upload(api, order_id, "a.pdf", PDF),
        "invoice_imports.get": lambda: api.get("/order-invoice-imports/IMP1"),
    }

    assert calls[endpoint]().status_code == 503
    assert calls[endpoint]().status_code in (200, 201, 404)


def test_given_the_control_api_when_asking_for_discrepancies_then_the_planted_ones_come(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    sandbox.advance(40 * DAY)

    answer = http.get("/_sandbox/finance/discrepancies")

    assert answer.status_code == 200
    assert answer.json() == sandbox.finance_discrepancies()
    assert len(answer.json()["wrongCommissions"]) == 1
