"""The Finance and Invoices pages in both languages: payouts and their check, a payout's
breakdown, differences with review, the order page's commission, fees and net, uploads refused
with the reason, and CSRF."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import FinancePayout, Order
from tests.support.finance import planted
from tests.support.web import csrf_token

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


@pytest.mark.parametrize(
    ("language", "title", "check"),
    [("en", "Payouts", "Explained to the cent"), ("fr", "Virements", "Justifié au centime près")],
)
def test_given_payouts_when_the_finance_page_opens_then_each_shows_its_state_and_check(
    browser: TestClient, language: str, title: str, check: str
) -> None:
    browser.cookies.set("cdlink_language", language)
    page = browser.get("/finance")
    assert page.status_code == 200
    assert title in page.text
    assert check in page.text
    assert 'data-testid="payout-row"' in page.text


def test_given_a_payout_when_opened_then_its_breakdown_orders_and_operations_show(
    browser: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        payout = session.scalars(
            select(FinancePayout).order_by(FinancePayout.operations_found.desc())
        ).first()
        assert payout is not None
    page = browser.get(f"/finance/payouts/{payout.id}")
    assert page.status_code == 200
    assert 'data-testid="payout-breakdown"' in page.text
    assert 'data-testid="operation-row"' in page.text
    assert "/orders/" in page.text


def test_given_planted_discrepancies_then_the_differences_page_lists_them_to_review(
    browser: TestClient, sandbox: Sandbox
) -> None:
    page = browser.get("/finance/differences")
    for kind, reference in planted(sandbox):
        assert f'data-kind="{kind}" data-reference="{reference}"' in page.text
    assert browser.get("/finance/differences?kind=commission").status_code == 200


def test_given_an_order_with_operations_then_its_page_shows_commission_fees_and_net(
    browser: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        order = session.scalars(
            select(Order).where(Order.status == "Delivered").order_by(Order.id)
        ).first()
        assert order is not None
    browser.cookies.set("cdlink_language", "fr")
    page = browser.get(f"/orders/{order.id}")
    assert page.status_code == 200
    assert 'data-testid="order-finance"' in page.text
    assert "Commission prélevée" in page.text
    assert 'data-testid="order-net"' in page.text


@pytest.mark.parametrize(
    ("language", "reason"),
    [("en", "neither a PDF nor a UBL 2.1"), ("fr", "ni un PDF ni une facture XML UBL 2.1")],
)
def test_given_a_file_that_is_no_invoice_then_the_page_says_why_and_nothing_is_recorded(
    browser: TestClient, shop: JobEnvironment, language: str, reason: str
) -> None:
    browser.cookies.set("cdlink_language", language)
    with shop.database.reading() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
    answer = browser.post(
        f"/orders/{order.id}/invoice",
        files={"file": ("photo.jpg", b"\xff\xd8\xff not a pdf")},
        headers={"X-CSRF-Token": csrf_token(browser, "/invoices")},
    )
    assert answer.status_code == 422
    assert reason in answer.text
    assert "upload-row" not in browser.get("/invoices").text


def test_given_an_invoice_when_uploaded_from_the_invoices_page_then_it_is_recorded(
    browser: TestClient, shop: JobEnvironment
) -> None:
    page = browser.get("/invoices")
    assert 'data-testid="reminder-row"' in page.text
    with shop.database.reading() as session:
        order = session.scalars(
            select(Order).where(Order.status.in_(("Shipped", "Delivered"))).order_by(Order.id)
        ).first()
        assert order is not None
    answer = browser.post(
        f"/orders/{order.id}/invoice",
        data={"back": "invoices"},
        files={"file": ("invoice.pdf", PDF)},
        headers={"X-CSRF-Token": csrf_token(browser, "/invoices")},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/invoices"
    assert 'data-state="pending"' in browser.get("/invoices").text


def test_given_no_csrf_token_then_an_upload_is_refused(
    browser: TestClient, shop: JobEnvironment
) -> None:
    with shop.database.reading() as session:
        order = session.scalars(select(Order).order_by(Order.id)).first()
        assert order is not None
    answer = browser.post(f"/orders/{order.id}/invoice", files={"file": ("f.pdf", PDF)})
    assert answer.status_code == 403
