"""Customers: ``GET /api/v1/customers`` (search, account, pages), ``/{id}`` with the orders and
discussions, the list and customer pages in both languages, and ``cdlink customers`` (both
databases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.store.models import Customer, Discussion
from tests.support.dashboard import NOW, seed_shop, web_client

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def browser(settings: Settings, database: Database) -> Iterator[TestClient]:
    yield from web_client(settings, database, ManualClock(NOW))


def seed_discussion(database: Database) -> None:
    with database.session() as session:
        session.add(
            Discussion(
                connection_id=1,
                marketplace_discussion_id="D-1",
                marketplace_order_id="ORDER-2",
                subject="Where is my parcel?",
                is_open=True,
                marketplace_updated_at=NOW,
                imported_at=NOW,
                updated_at=NOW,
            )
        )


def customer_id(database: Database, key: str) -> int:
    with database.reading() as session:
        return session.scalars(select(Customer.id).where(Customer.key == key)).one()


def listing(browser: TestClient, query: str = "") -> dict[str, Any]:
    answer = browser.get(f"/api/v1/customers?{query}", headers=ENGLISH)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_given_a_shop_when_customers_are_listed_then_the_latest_buyer_comes_first(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    body = listing(browser)

    assert body["total"] == 5
    assert [item["key"] for item in body["customers"]] == ["K1", "K2", "K9", "K3", "K4"]
    first = body["customers"][0]
    assert (first["orders"], first["revenue"], first["account"]) == (2, "15.00", "Boutique A")
    # A cancelled order counts as an order, not as revenue.
    k3 = next(item for item in body["customers"] if item["key"] == "K3")
    assert (k3["orders"], k3["revenue"]) == (1, "0.00")


def test_given_a_search_an_account_and_pages_when_listed_then_each_narrows_the_list(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    assert [item["key"] for item in listing(browser, "q=K2@EXAMPLE")["customers"]] == ["K2"]
    assert [item["key"] for item in listing(browser, "q=client%20k9")["customers"]] == ["K9"]
    assert listing(browser, "q=%25")["total"] == 0  # a % is searched for, not a wildcard
    assert listing(browser, "connection_id=2")["total"] == 1
    second = listing(browser, "page=2&page_size=2")
    assert (second["pages"], [item["key"] for item in second["customers"]]) == (3, ["K9", "K3"])
    assert browser.get("/api/v1/customers?page=0").status_code == 422


def test_given_a_customer_when_shown_then_their_orders_and_discussions_are_listed(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)
    seed_discussion(database)
    k2 = customer_id(database, "K2")

    body = browser.get(f"/api/v1/customers/{k2}", headers=ENGLISH).json()
    page = browser.get(f"/customers/{k2}", headers=ENGLISH).text
    french = browser.get(f"/customers/{k2}", headers={"Accept-Language": "fr"}).text

    assert [order["marketplace_order_id"] for order in body["order_list"]] == [
        "ORDER-2",
        "ORDER-5",
    ]
    assert [item["subject"] for item in body["discussions"]] == ["Where is my parcel?"]
    assert (body["orders"], body["revenue"]) == (2, "35.00")
    assert "Where is my parcel?" in page
    assert ">ORDER-5</a>" in page
    assert "€35.00" in page
    assert "35,00\xa0€" in french
    assert "Livré" in french  # the status, translated
    assert browser.get("/api/v1/customers/99999").status_code == 404
    assert browser.get("/customers/99999", headers=ENGLISH).status_code == 404


def test_given_customers_when_the_list_page_is_searched_then_it_shows_the_matches(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    page = browser.get("/customers?q=k1", headers=ENGLISH).text
    empty = browser.get("/customers?q=nobody", headers=ENGLISH).text
    french = browser.get("/customers", headers={"Accept-Language": "fr"}).text

    assert "1 customer<" in page
    assert "Client K1" in page
    assert "Client K2" not in page
    assert "No customer matches this search." in empty
    assert "5 clients" in french
    assert 'href="/customers"' in page  # the menu entry


def test_given_no_order_when_the_customers_page_opens_then_it_says_why_it_is_empty(
    browser: TestClient,
) -> None:
    page = browser.get("/customers", headers=ENGLISH).text

    assert "No customer yet" in page


def test_given_customers_when_the_cli_lists_and_shows_them_then_it_prints_them(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_shop(database)
    seed_discussion(database)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    listed = runner.invoke(app, ["customers", "list", "--search", "k2"])
    shown = runner.invoke(app, ["customers", "show", str(customer_id(database, "K2"))])
    unknown = runner.invoke(app, ["customers", "show", "99999"])

    assert listed.exit_code == 0, listed.output
    assert "Client K2\t2 orders\t35.00 EUR" in listed.output
    assert "1 customers, page 1 of 1" in listed.output
    assert shown.exit_code == 0, shown.output
    assert "order ORDER-5" in shown.output
    assert "Where is my parcel?" in shown.output
    assert unknown.exit_code != 0
    assert "no customer with id 99999" in unknown.output
