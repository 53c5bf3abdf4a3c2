"""Per order, whether Cdiscount holds a customer invoice and its status, read back from the
marketplace: by the finance stream for shipped orders (an invoice uploaded elsewhere counts),
and by the invoice_uploads stream for cdlink's own uploads until Cdiscount's check ends."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.finance import queries
from cdlink.hub.finance.invoices import InvoiceFile
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order, OrderInvoiceState
from cdlink.sync.finance.actions import request_upload
from tests.support.customer_service import seller_client
from tests.support.finance import run_until_success

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


def _shipped(shop: JobEnvironment) -> list[Order]:
    run_until_success(shop, "orders")
    with shop.database.reading() as session:
        query = select(Order).where(Order.status.in_(("Shipped", "Delivered"))).order_by(Order.id)
        return list(session.scalars(query))


def _document_reads(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests() if r["endpoint"] == "order_invoices.list")


def test_given_an_invoice_uploaded_elsewhere_when_finance_runs_then_cdlink_knows_cdiscount_holds_it(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    invoiced, *others = _shipped(shop)
    with seller_client(shop) as portal:  # as the seller portal or another tool would
        portal.order_invoices.upload(invoiced.marketplace_order_id, "portal.pdf", PDF)
    sandbox_clock.advance(sandbox.config.finance.invoice_import_seconds + 1)

    run_until_success(shop, "finance")
    reads = _document_reads(sandbox)
    run_until_success(shop, "finance")  # the same day: nothing to read again

    with shop.database.reading() as session:
        states = {row.order_id: row for row in session.scalars(select(OrderInvoiceState))}
        reminders = {r.order_id for r in queries.uninvoiced_orders(session, limit=1000)}
    assert reads == len(others) + 1
    assert _document_reads(sandbox) == reads
    held = states[invoiced.id]
    assert (held.file_name, held.status) == ("portal.pdf", "Success")
    assert all(states[order.id].document_id is None for order in others)
    assert invoiced.id not in reminders
    assert {order.id for order in others} <= reminders


def test_given_an_upload_when_cdiscount_finishes_its_check_then_the_order_shows_its_status(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    order = _shipped(shop)[0]
    with shop.database.session() as session:
        request_upload(
            session,
            session.merge(order),
            InvoiceFile("mine.pdf", PDF),
            requested_by=None,
            now=shop.clock.now(),
        )
    run_until_success(shop, "invoice_uploads")
    with shop.database.reading() as session:
        checking = session.get_one(OrderInvoiceState, order.id).status
    sandbox_clock.advance(sandbox.config.finance.invoice_import_seconds + 1)
    run_until_success(shop, "invoice_uploads")
    reads = _document_reads(sandbox)
    run_until_success(shop, "invoice_uploads")  # nothing is being checked: no call

    with shop.database.reading() as session:
        state = session.get_one(OrderInvoiceState, order.id)
    assert checking == "Running"
    assert (state.file_name, state.status) == ("mine.pdf", "Success")
    assert _document_reads(sandbox) == reads


def test_given_cdiscount_holds_an_invoice_when_reading_the_order_then_the_api_and_page_say_so(
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    browser: TestClient,
) -> None:
    api = browser  # the API answers a signed-in session too
    invoiced, other = _shipped(shop)[:2]
    with seller_client(shop) as portal:
        portal.order_invoices.upload(invoiced.marketplace_order_id, "portal.pdf", PDF)
    sandbox_clock.advance(timedelta(days=1, minutes=5).total_seconds())
    run_until_success(shop, "finance")

    held = api.get(f"/api/v1/orders/{invoiced.id}/invoice").json()
    none = api.get(f"/api/v1/orders/{other.id}/invoice").json()
    reminders = api.get("/api/v1/invoices").json()["without_invoice"]
    page = browser.get(f"/orders/{invoiced.id}", headers={"Accept-Language": "en"}).text

    assert held["has_invoice"] is True
    assert held["marketplace_invoice"]["status"] == "Success"
    assert held["marketplace_invoice"]["file_name"] == "portal.pdf"
    assert held["uploads"] == []
    assert none["has_invoice"] is False
    assert none["marketplace_invoice"]["document_id"] is None
    assert invoiced.id not in {item["order_id"] for item in reminders}
    shown = page.split('data-testid="order-invoice-at-cdiscount"', 1)[1].split("</p>", 1)[0]
    assert "portal.pdf" in shown
    assert "Accepted" in shown
