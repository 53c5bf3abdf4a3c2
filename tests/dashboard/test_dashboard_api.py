"""``GET /api/v1/dashboard``: each period, the deltas against the period before, the custom range
and its validation, one account or all (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from tests.support.dashboard import NOW, seed_shop, web_client

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def browser(settings: Settings, database: Database) -> Iterator[TestClient]:
    yield from web_client(settings, database, ManualClock(NOW))


def figures(browser: TestClient, query: str) -> dict[str, Any]:
    answer = browser.get(f"/api/v1/dashboard?{query}", headers=ENGLISH)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def kpi(body: dict[str, Any], name: str) -> tuple[str | None, str | None, str | None]:
    item = body[name]
    return item["value"], item["previous"], item["delta"]


def test_given_a_shop_when_today_is_asked_for_one_account_then_every_kpi_has_its_delta(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    body = figures(browser, "period=today&connection=1")

    assert body["period"]["first_day"] == body["period"]["last_day"] == "2026-03-02"
    assert kpi(body, "orders") == ("4", "1", "300.0")
    assert kpi(body, "revenue") == ("35.00", "15.00", "133.3")
    assert kpi(body, "average_order_value") == ("11.67", "15.00", "-22.2")
    assert kpi(body, "customers") == ("2", "1", "100.0")
    assert kpi(body, "products") == ("3", "2", "50.0")
    assert kpi(body, "sync_health") == ("75.0", "100.0", "-25.0")
    assert {item["status"]: item["orders"] for item in body["statuses"]} == {
        "Shipped": 2,
        "Delivered": 1,
        "Cancelled": 1,
    }
    assert body["statuses"][0]["label"] == "Shipped"
    # An hourly trend from midnight in Paris (23:00 UTC) to the unfinished 10:00 hour.
    assert len(body["series"]) == 11
    assert sum(point["orders"] for point in body["series"]) == 4
    assert body["series"][-1] == {"start": "2026-03-02T09:00:00Z", "orders": 1, "revenue": "5.00"}
    assert body["activity"][0]["type"] == "sync"
    assert body["activity"][0]["link"] == "/sync-log"
    assert body["currency"] == "EUR"


def test_given_two_accounts_when_no_account_is_chosen_then_the_figures_add_up(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    body = figures(browser, "period=today")

    assert kpi(body, "orders")[0] == "5"
    assert kpi(body, "revenue")[0] == "535.00"
    assert kpi(body, "customers")[0] == "3"


def test_given_a_preset_period_when_asked_then_it_has_a_point_per_day(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    for period, points, first_day in (
        ("7d", 7, "2026-02-24"),
        ("30d", 30, "2026-02-01"),
        ("90d", 90, "2025-12-03"),
        ("year", 365, "2025-03-03"),
    ):
        body = figures(browser, f"period={period}&connection=1")

        assert body["period"]["name"] == period
        assert body["period"]["first_day"] == first_day
        assert len(body["series"]) == points
        assert body["series"][-1]["orders"] == 4
        assert body["series"][-2]["orders"] == 2
        assert kpi(body, "orders")[0] == "6"
        assert kpi(body, "revenue")[0] == "150.00"


def test_given_a_custom_range_when_asked_then_it_is_compared_with_the_days_just_before(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)

    body = figures(browser, "period=custom&from=2026-03-01&to=2026-03-01&connection=1")

    assert body["period"]["start"] == "2026-02-28T23:00:00Z"
    assert body["period"]["end"] == "2026-03-01T23:00:00Z"
    assert body["period"]["previous_start"] == "2026-02-27T23:00:00Z"
    assert kpi(body, "orders") == ("2", "0", None)
    assert kpi(body, "revenue") == ("115.00", "0.00", None)


BAD_QUERIES = (
    ("period=custom&to=2026-03-01", "from"),
    ("period=custom&from=2026-03-01", "to"),
    ("period=custom&from=2026-03-02&to=2026-03-01", "to"),
    ("period=custom&from=2023-01-01&to=2026-03-01", "to"),
    ("period=custom&from=2026-13-01&to=2026-03-01", "from"),
    ("period=7d&from=2026-03-01", "from"),
    ("period=week", "period"),
    ("connection=0", "connection"),
)


def test_given_a_bad_period_when_asked_then_422_names_the_parameter(browser: TestClient) -> None:
    for query, field in BAD_QUERIES:
        answer = browser.get(f"/api/v1/dashboard?{query}", headers=ENGLISH)

        assert answer.status_code == 422, query
        assert [problem["field"] for problem in answer.json()["problems"]] == [field], query


def test_given_the_only_account_deleted_when_asked_then_its_stored_orders_still_count(
    browser: TestClient, database: Database
) -> None:
    seed_shop(database)
    with database.session() as session:
        for connection in session.query(Connection):
            connection.state = "deleted"

    body = figures(browser, "period=today")
    page = browser.get("/?period=today", headers=ENGLISH).text

    assert body["has_orders"] is True
    assert kpi(body, "orders")[0] == "5"
    assert "No figures yet" not in page
    assert "No Cdiscount account is connected" in page


def test_given_no_order_when_asked_then_the_figures_are_zero_without_deltas(
    browser: TestClient,
) -> None:
    body = figures(browser, "period=30d")

    assert body["has_orders"] is False
    assert kpi(body, "orders") == ("0", "0", None)
    assert kpi(body, "average_order_value") == (None, None, None)
    assert kpi(body, "sync_health") == (None, None, None)
    assert len(body["series"]) == 30
