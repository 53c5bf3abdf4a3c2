"""Deadline notifications: raised before a deadline passes as the clock moves, once each, read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cdlink.cli.main import app
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import ask, run_until_success, stored


def alerts(shop: JobEnvironment, api: TestClient, link: str) -> int:
    """Runs the stream; how many notifications about ``link`` exist now."""
    report = shop.runner().run(1, "deadline_alerts")
    assert report.outcome == "succeeded", report.message
    return len(about(api, link))


def about(api: TestClient, link: str, **params: str) -> list[dict[str, Any]]:
    listed = api.get("/api/v1/notifications", params=params).json()["items"]
    return [item for item in listed if item["link"] == link]


def test_given_a_waiting_order_when_the_clock_nears_its_deadline_then_alerts_come_once_each(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order = stored(shop, order_id)
    deadline, link = order.acceptance_deadline, f"/orders/{order.id}"
    assert deadline is not None

    early = alerts(shop, api, link)
    sandbox_clock.advance(deadline - timedelta(hours=11) - sandbox_clock.now())
    first, again = alerts(shop, api, link), alerts(shop, api, link)
    sandbox_clock.advance(deadline - timedelta(hours=1) - sandbox_clock.now())
    second = alerts(shop, api, link)
    listed = about(api, link)

    assert (early, first, again, second) == (0, 1, 1, 2)
    assert [item["kind"] for item in listed] == ["acceptance_deadline"] * 2
    assert "less than 2 h left to accept" in listed[0]["title"]
    assert "less than 12 h left" in listed[1]["title"]
    read = api.post(f"/api/v1/notifications/{listed[0]['id']}/read")
    unread = about(api, link, unread="true")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert [item["id"] for item in unread] == [listed[1]["id"]]
    assert api.post("/api/v1/notifications/999/read").status_code == 404


def test_given_an_order_to_ship_when_shipped_between_two_lead_times_then_no_later_alert(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    run_until_success(shop)
    order = stored(shop, order_id)
    deadline, link = order.shipping_deadline, f"/orders/{order.id}"
    assert deadline is not None

    sandbox_clock.advance(deadline - timedelta(hours=11) - sandbox_clock.now())
    before_shipping = alerts(shop, api, link)
    assert shop.runner().run(1, "carriers").outcome == "succeeded"
    ask(shop, order_id, "ship", carrier="Colissimo", tracking_number="6A7")
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    sandbox_clock.advance(deadline - timedelta(hours=1) - sandbox_clock.now())
    after_shipping = alerts(shop, api, link)

    [alert] = about(api, link)
    assert (before_shipping, after_shipping) == (1, 1)
    assert stored(shop, order_id).status == "Shipped"
    assert alert["kind"] == "shipping_deadline"
    assert "less than 12 h left to ship it" in alert["title"]


@pytest.fixture
def cli(
    shop: JobEnvironment, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", shop.database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return CliRunner()


def test_given_a_notification_when_listed_and_read_from_the_cli_then_it_is_no_longer_unread(
    api: TestClient,
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    cli: CliRunner,
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order = stored(shop, order_id)
    assert order.acceptance_deadline is not None
    sandbox_clock.advance(order.acceptance_deadline - timedelta(hours=1) - sandbox_clock.now())
    alerts(shop, api, f"/orders/{order.id}")
    [mine] = about(api, f"/orders/{order.id}")

    listed = cli.invoke(app, ["notifications", "list", "--unread"])
    read = cli.invoke(app, ["notifications", "read", str(mine["id"])])
    unknown = cli.invoke(app, ["notifications", "read", "999999"])
    after = cli.invoke(app, ["notifications", "list", "--unread"])

    assert f"* {mine['id']} " in listed.output
    assert read.exit_code == 0, read.output
    assert unknown.exit_code != 0
    assert "no notification number 999999" in unknown.output
    assert f"* {mine['id']} " not in after.output


def test_given_the_cli_when_hours_are_set_and_all_read_then_kept_and_none_unread(
    api: TestClient,
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    cli: CliRunner,
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order = stored(shop, order_id)
    assert order.acceptance_deadline is not None
    sandbox_clock.advance(order.acceptance_deadline - timedelta(hours=1) - sandbox_clock.now())
    alerts(shop, api, f"/orders/{order.id}")

    shown = cli.invoke(app, ["notifications", "hours", "-c", "1"])
    changed = cli.invoke(app, ["notifications", "hours", "-c", "1", "24, 6"])
    bad = cli.invoke(app, ["notifications", "hours", "-c", "1", "0"])
    read = cli.invoke(app, ["notifications", "read-all"])
    after = cli.invoke(app, ["notifications", "list", "--unread"])

    assert shown.output.strip() == "12 h, 2 h"
    assert changed.output.strip() == "24 h, 6 h"
    assert bad.exit_code != 0
    assert "between 1 and 168" in bad.output
    assert "marked read" in read.output
    assert after.output.strip() == ""
    assert api.get("/api/v1/notification-settings?connection_id=1").json()["alert_hours"] == [24, 6]
