"""Seller performance: indicators read daily and kept as history, cdlink's own figures beside
Cdiscount's, alerts near a threshold, the API, the page and the CLI."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.performance.own import own_figures
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import run_stream
from cdlink.jobs.scheduler import Scheduler
from cdlink.sandbox import Sandbox
from cdlink.store.models import Discussion, Order, OrderStatusEvent
from tests.support.performance import figure, read_indicators


def indicators(api: TestClient, **params: Any) -> dict[str, Any]:
    answer = api.get("/api/v1/indicators", params={"connection_id": 1, **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_given_orders_refused_on_the_second_day_when_read_daily_then_history_keeps_both_days(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    sandbox.create_orders(4, status="Accepted")
    first = read_indicators(shop)
    sandbox_clock.advance(timedelta(days=1))
    sandbox.create_orders(2, status="Refused")
    read_indicators(shop)
    again = read_indicators(shop)  # the same day: replaces the day's rows

    body = indicators(api)
    acceptance = [
        (row["day"], row["value_d30"])
        for row in body["history"]
        if row["source"] == "cdiscount" and row["name"] == "order_acceptation"
    ]
    ours = figure(body, "cdlink", "order_acceptation")
    assert (first["indicators"], first["own_figures"], again["indicators"]) == (5, 5, 5)
    assert len(body["history"]) == 2 * 5 * 2
    assert [value for _, value in acceptance] == ["100.000", "66.670"]
    assert acceptance[0][0] < acceptance[1][0]
    assert figure(body, "cdiscount", "order_acceptation")["level"] == "beyond"
    assert (ours["value_d30"], ours["level"]) == ("66.670", "beyond")
    assert figure(body, "cdiscount", "order_claims")["threshold"] == "1.000"
    assert figure(body, "cdiscount", "order_claims")["threshold_type"] == "ThresholdMax"
    assert len(indicators(api, days=1)["history"]) == 5 * 2


def test_given_the_scheduler_when_three_days_pass_then_indicators_are_read_once_a_day(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    """No one runs the stream by hand: the scheduler finds it due once a day (its interval plus
    at most 10 % jitter), and each read adds the day's rows to the history."""
    sandbox.create_orders(3, status="Accepted")
    scheduler = Scheduler(shop)
    reads = []
    for _ in range(12):  # three days, a tick every six hours
        for request in scheduler.tick():
            if request.stream == "indicators":
                report = run_stream(shop, request)
                assert report.outcome == "succeeded", report.message
                reads.append(sandbox_clock.now())
        sandbox_clock.advance(timedelta(hours=6))

    days = {row["day"] for row in indicators(api)["history"]}
    assert len(reads) == 3
    assert all(later - earlier >= timedelta(days=1) for earlier, later in pairwise(reads))
    assert len(days) == 3
    assert len(indicators(api)["history"]) == 3 * 5 * 2


def test_given_a_figure_beyond_its_threshold_when_read_twice_then_one_alert_per_source(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.create_orders(3, status="Accepted")
    sandbox.create_orders(1, status="Refused")

    counts = [read_indicators(shop)["alerts"], read_indicators(shop).get("alerts", 0)]
    listed = api.get("/api/v1/notifications").json()["items"]
    alerts = [item for item in listed if item["kind"] == "performance"]

    assert counts == [2, 0]
    assert {item["link"] for item in alerts} == {"/performance?connection=1"}
    assert sorted(item["title"].split(" ")[0] for item in alerts) == ["Cdiscount's", "cdlink's"]
    assert all(
        "acceptance rate (75 %) crossed its threshold (at least 97.5 %)" in item["title"]
        for item in alerts
    )


def test_given_good_figures_when_read_then_no_alert_and_the_api_reads_ok(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.create_orders(3, status="Accepted")

    counts = read_indicators(shop)
    body = indicators(api)

    assert counts.get("alerts", 0) == 0
    assert {item["level"] for item in body["current"]} == {"ok"}
    assert api.get("/api/v1/indicators", params={"connection_id": 9}).status_code == 404
    assert api.get("/api/v1/indicators").status_code == 422


def test_given_figures_when_the_performance_page_is_shown_then_indicators_in_both_languages(
    browser: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    empty = browser.get("/performance", headers={"Accept-Language": "en"})
    sandbox.create_orders(3, status="Accepted")
    sandbox.create_orders(1, status="Refused")
    read_indicators(shop)

    english = browser.get("/performance", headers={"Accept-Language": "en"})
    french = browser.get("/performance", headers={"Accept-Language": "fr"})

    assert 'data-testid="not-read"' in empty.text
    assert 'data-testid="cdiscount-order_acceptation-d30">75' in english.text
    assert "Order acceptance rate" in english.text
    assert "Threshold crossed" in english.text
    assert "at least 97.5 %" in english.text
    assert "data-chart=" in english.text
    assert "/static/vendor/chartjs/chart.umd.min.js" in english.text
    assert "acceptation des commandes" in french.text
    assert "Seuil franchi" in french.text
    assert browser.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


@pytest.fixture
def cli(
    shop: JobEnvironment, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return CliRunner()


def test_given_figures_when_listed_from_the_cli_then_values_thresholds_and_history(
    cli: CliRunner, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    before = cli.invoke(app, ["indicators", "-c", "1"])
    sandbox.create_orders(3, status="Accepted")
    sandbox.create_orders(1, status="Refused")
    read_indicators(shop)

    shown = cli.invoke(app, ["indicators", "-c", "1", "--history", "400"])
    listed = cli.invoke(app, ["indicators", "-c", "1", "--history", "30"])

    assert "not read yet" in before.output
    assert shown.exit_code != 0
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if line.startswith("order_acceptation")]
    assert len(lines) == 2
    assert all("75 %" in line and "THRESHOLD CROSSED" in line for line in lines)
    assert ">= 97.5 %" in lines[0]


def add_order(
    shop: JobEnvironment,
    number: str,
    statuses: list[str],
    *,
    shipped_after: timedelta | None = None,
    first_seen: str = "WaitingAcceptance",
) -> None:
    """An order purchased a day ago, deadline in a day, that went through ``statuses``."""
    now = shop.clock.now()
    deadline = now + timedelta(days=1)
    with shop.database.session() as session:
        order = Order(
            connection_id=1,
            marketplace_order_id=number,
            status=statuses[-1],
            marketplace_updated_at=now,
            purchased_at=now - timedelta(days=1),
            currency="EUR",
            service_fees_amount=Decimal(0),
            shipping_deadline=deadline,
            imported_at=now,
            updated_at=now,
        )
        session.add(order)
        session.flush()
        previous = None
        for status in [first_seen, *statuses]:
            when = deadline + shipped_after if status == "Shipped" and shipped_after else now
            session.add(
                OrderStatusEvent(
                    order_id=order.id,
                    previous_status=previous,
                    status=status,
                    changed_at=when,
                    recorded_at=when,
                )
            )
            previous = status


def test_given_orders_shipped_late_refused_and_claimed_when_cdlink_computes_then_its_figures_move(
    shop: JobEnvironment,
) -> None:
    add_order(shop, "A1", ["Accepted", "Shipped"], shipped_after=timedelta(hours=-2))
    add_order(shop, "A2", ["Accepted", "Shipped"], shipped_after=timedelta(hours=3))
    add_order(shop, "A3", ["Accepted"])
    add_order(shop, "A4", ["Refused"])
    add_order(shop, "A5", ["Delivered"], first_seen="Delivered")  # first seen delivered
    with shop.database.session() as session:
        session.add(
            Discussion(
                connection_id=1,
                marketplace_discussion_id="D1",
                marketplace_order_id="A1",
                graduation="Claim",
                marketplace_updated_at=shop.clock.now(),
                imported_at=shop.clock.now(),
                updated_at=shop.clock.now(),
            )
        )
    with shop.database.reading() as session:
        figures = {item.name: item for item in own_figures(session, 1, shop.clock.now())}

    assert figures["order_acceptation"].value_d30 == Decimal("80.00")  # 4 accepted, 1 refused
    assert figures["deadline_compliance"].value_d30 == Decimal("66.67")  # A2 late; A5 unknown
    assert figures["product_shipping"].value_d30 == Decimal("100.00")  # A3 not due yet
    assert figures["order_claims"].value_d30 == Decimal("20.00")
    assert figures["order_refunds"].value_d30 == Decimal("0.00")
    assert figures["order_claims"].value_d60 == Decimal("20.00")
