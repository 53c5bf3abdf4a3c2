"""Switching automatic refusal on (issue 15) from the order settings page, the API and the CLI:
the orders already waiting are counted first and refused only when the seller confirms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cdlink.cli.main import app as cli
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.acceptance import AUTO_REFUSED
from cdlink.hub.orders.actions import MANUAL, acceptance_policy
from cdlink.store.engine import Database
from cdlink.web.app import create_app
from tests.support.waiting_orders import (
    COUNTED,
    SHORT_REASON,
    UNCOUNTED,
    draft,
    order_id,
    refusals,
    stocked_shop,
    waiting,
    with_backlog,
)
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}
runner = CliRunner()


@pytest.fixture
def shop(database: Database, clock: ManualClock) -> int:
    return stocked_shop(database, clock)


# The page: a preview step, then the seller's choice.


@pytest.fixture
def admin_browser(
    settings: Settings, database: Database, clock: ManualClock, shop: int
) -> Iterator[TestClient]:
    with database.session() as session:
        add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    web = create_app(settings, database=database, clock=clock)
    with TestClient(web, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


def post_policy(client: TestClient, shop: int, choice: str | None, language: dict) -> object:
    data = {
        "acceptance": "in_stock",
        "auto_refuse": "1",
        "csrf_token": csrf_token(client, f"/orders/settings/{shop}"),
    }
    if choice is not None:
        data["backlog"] = choice
    return client.post(f"/orders/settings/{shop}/acceptance", data=data, headers=language)


def test_given_a_backlog_when_switching_on_in_the_page_then_a_preview_counts_it_first(
    admin_browser: TestClient, database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)

    english = post_policy(admin_browser, shop, None, ENGLISH)
    french = post_policy(admin_browser, shop, None, FRENCH)
    forged = admin_browser.post(
        f"/orders/settings/{shop}/acceptance",
        data={"acceptance": "in_stock", "auto_refuse": "1", "backlog": "refuse"},
    )

    assert english.status_code == 200
    assert "1 order already waiting for your acceptance would be refused now." in english.text
    assert 'data-testid="refuse-backlog"' in english.text
    assert f"Not enough stock for SKU {COUNTED}: 2 wanted, 1 available." in english.text
    assert "UNCOUNTED-1" not in english.text
    assert "1 commande déjà en attente de votre acceptation serait refusée" in french.text
    assert forged.status_code == 403  # no CSRF token: nothing happens
    with database.reading() as session:
        assert acceptance_policy(session, shop).acceptance == MANUAL  # nothing saved yet
    assert refusals(database) == []


def test_given_the_preview_when_new_orders_only_is_chosen_then_the_backlog_waits(
    admin_browser: TestClient, database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)

    kept = post_policy(admin_browser, shop, "keep", ENGLISH)
    page = admin_browser.get(kept.headers["location"], headers=ENGLISH)

    assert kept.status_code == 303
    assert "the 1 order already waiting is left to you" in page.text
    with database.reading() as session:
        assert acceptance_policy(session, shop).refuses
    assert refusals(database) == []


def test_given_the_preview_when_refusing_them_too_is_confirmed_then_they_are_refused(
    admin_browser: TestClient, database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)

    refused = post_policy(admin_browser, shop, "refuse", FRENCH)
    page = admin_browser.get(refused.headers["location"], headers=FRENCH)

    assert refused.status_code == 303
    assert "1 commande en attente est en cours de refus" in page.text
    assert refusals(database) == ["SHORT-1"]
    order_page = admin_browser.get(f"/orders/{order_id(database, 'SHORT-1')}", headers=ENGLISH).text
    assert "refused automatically" in order_page
    assert f"Not enough stock for SKU {COUNTED}: 2 wanted, 1 available." in order_page


def test_given_no_backlog_when_switching_on_in_the_page_then_it_is_saved_at_once(
    admin_browser: TestClient, database: Database, clock: ManualClock, shop: int
) -> None:
    waiting(database, clock, shop, draft("UNCOUNTED-2", clock, {UNCOUNTED: 1}))

    saved = post_policy(admin_browser, shop, None, ENGLISH)

    assert saved.status_code == 303
    with database.reading() as session:
        assert acceptance_policy(session, shop).refuses


# The API: new orders only by default, the backlog on request.


@pytest.fixture
def admin_api(admin_browser: TestClient) -> TestClient:
    page = admin_browser.post(
        "/settings/tokens",
        data={"name": "ERP", "csrf_token": csrf_token(admin_browser, "/settings")},
    )
    token = page.text.split('data-testid="new-token">', 1)[1].split("<", 1)[0]
    admin_browser.cookies.clear()
    admin_browser.headers["Authorization"] = f"Bearer {token}"
    return admin_browser


def test_given_a_backlog_when_the_api_switches_on_then_only_refuse_backlog_refuses_it(
    admin_api: TestClient, database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)
    path = f"/api/v1/connections/{shop}/order-settings"

    preview = admin_api.get(f"{path}/backlog").json()
    switched = admin_api.put(path, json={"acceptance": "in_stock", "auto_refuse": True}).json()
    left = refusals(database)
    confirmed = admin_api.put(
        path, json={"acceptance": "in_stock", "auto_refuse": True, "refuse_backlog": True}
    ).json()
    described = admin_api.get("/api/openapi.json").text

    assert preview["would_refuse"] == 1
    assert preview["orders"][0]["marketplace_order_id"] == "SHORT-1"
    assert preview["orders"][0]["reason"] == SHORT_REASON
    assert (switched["backlog_waiting"], switched["backlog_refused"]) == (1, 0)
    assert left == []
    assert (confirmed["backlog_waiting"], confirmed["backlog_refused"]) == (0, 1)
    assert refusals(database) == ["SHORT-1"]
    assert "refuse_backlog" in described
    detail = admin_api.get(f"/api/v1/orders/{order_id(database, 'SHORT-1')}").json()
    assert any(
        event["kind"] == AUTO_REFUSED and event["details"] == SHORT_REASON
        for event in detail["sync_events"]
    )


# The CLI: the count, then a question (or --refuse-backlog).


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings, database: Database
) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("CDLINK_DATA_DIR", str(settings.data_dir))
    return database


def test_given_a_backlog_when_the_cli_switches_on_then_it_asks_before_refusing_it(
    cli_env: Database, clock: ManualClock, shop: int
) -> None:
    database = cli_env
    with_backlog(database, clock, shop)
    command = ["orders", "policy", "-c", str(shop), "in_stock", "--auto-refuse"]

    declined = runner.invoke(cli, command, input="n\n")
    left = refusals(database)
    runner.invoke(cli, ["orders", "policy", "-c", str(shop), "--no-auto-refuse"])
    unanswered = runner.invoke(cli, command, input="")
    runner.invoke(cli, ["orders", "policy", "-c", str(shop), "--no-auto-refuse"])
    confirmed = runner.invoke(cli, [*command, "--refuse-backlog"])

    assert declined.exit_code == 0, declined.output
    assert "1 order(s) already waiting for acceptance would be refused now" in declined.output
    assert "Refuse them now too?" in declined.output
    assert "left waiting" in declined.output
    assert left == []
    assert unanswered.exit_code == 0, unanswered.output
    assert "left waiting" in unanswered.output
    assert confirmed.exit_code == 0, confirmed.output
    assert "1 waiting order(s) refused" in confirmed.output
    assert "acceptance: in_stock, automatic refusal: on" in confirmed.output
    assert refusals(database) == ["SHORT-1"]
