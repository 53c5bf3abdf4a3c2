"""Automatic refusal that cannot hurt (issue 15): a SKU never counted on the connection is never
refused for stock, and the orders already waiting when it is switched on are refused only after
the seller confirms, on the page, through the API or in the CLI; every automatic decision is on
the order's timeline with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cdlink.cli.main import app as cli
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.acceptance import AUTO_ACCEPTED, AUTO_REFUSED, COVERED, decide
from cdlink.hub.orders.actions import IN_STOCK, MANUAL, acceptance_policy, set_acceptance_policy
from cdlink.hub.orders.stock import describe
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Order, OrderSyncEvent, OutboxEntry
from cdlink.store.users import create_user
from cdlink.sync.orders import backlog
from cdlink.sync.orders.stock import inventory
from cdlink.sync.orders.timeline import timeline
from cdlink.web.app import create_app
from tests.support.stocked_shop import (
    CONNECTION,
    OFFERS,
    marketplace_lines,
    run,
    stocked_environment,
    stored,
)
from tests.support.stocked_shop import inventory as shop_inventory
from tests.support.waiting_orders import (
    COUNTED,
    ELSEWHERE,
    PLENTY,
    UNCOUNTED,
    draft,
    refusals,
    stocked_shop,
    waiting,
)
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, csrf_token, log_in

ENGLISH = {"Accept-Language": "en"}
FRENCH = {"Accept-Language": "fr"}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHORT_REASON = f"not enough stock for SKU {COUNTED}: 2 wanted, 1 available"
runner = CliRunner()


@pytest.fixture
def shop(database: Database, clock: ManualClock) -> int:
    return stocked_shop(database, clock)


def switch_on(database: Database, clock: ManualClock, connection_id: int) -> None:
    with database.session() as session:
        set_acceptance_policy(session, connection_id, IN_STOCK, clock.now(), auto_refuse=True)


def decided(database: Database, clock: ManualClock, order_id: int) -> tuple[str | None, list]:
    """What ``decide`` asks for the stored order now, and the issues it leaves on the order."""
    with database.session() as session:
        order = session.get_one(Order, order_id)
        decision = decide(session, order, inventory(session, clock))
        return (decision.kind if decision else None), list(order.stock_issues)


def with_backlog(database: Database, clock: ManualClock, shop: int) -> None:
    """Three orders waiting before automatic refusal: one short, one covered, one uncounted."""
    waiting(database, clock, shop, draft("SHORT-1", clock, {COUNTED: 2}))
    waiting(database, clock, shop, draft("COVERED-1", clock, {PLENTY: 1}))
    waiting(database, clock, shop, draft("UNCOUNTED-1", clock, {UNCOUNTED: 1}))
    clock.advance(60)


# The rule, in the back office.


def test_given_skus_never_counted_on_the_connection_when_auto_refusing_then_orders_wait(
    database: Database, clock: ManualClock, shop: int
) -> None:
    switch_on(database, clock, shop)
    clock.advance(1)
    nowhere = waiting(database, clock, shop, draft("A", clock, {UNCOUNTED: 1}))
    in_lyon = waiting(database, clock, shop, draft("B", clock, {ELSEWHERE: 1}))
    mixed = waiting(database, clock, shop, draft("C", clock, {COUNTED: 2, UNCOUNTED: 1}))

    assert decided(database, clock, nowhere) == (None, [{"kind": "unmanaged", "sku": UNCOUNTED}])
    assert decided(database, clock, in_lyon) == (None, [{"kind": "unmanaged", "sku": ELSEWHERE}])
    kind, issues = decided(database, clock, mixed)
    assert kind is None  # a shortage beside an uncounted SKU: the seller decides
    assert {"kind": "unmanaged", "sku": UNCOUNTED} in issues
    assert describe(issues[-1]).startswith(f"stock not managed for SKU {UNCOUNTED}")
    assert refusals(database) == []


def test_given_a_counted_sku_short_when_imported_after_switching_on_then_it_is_refused(
    database: Database, clock: ManualClock, shop: int
) -> None:
    switch_on(database, clock, shop)
    clock.advance(1)
    order_id = waiting(database, clock, shop, draft("SHORT-2", clock, {COUNTED: 2}))

    with database.session() as session:
        decision = decide(session, session.get_one(Order, order_id), inventory(session, clock))

    assert decision is not None
    assert decision.kind == "refuse"
    assert decision.reason == SHORT_REASON
    assert decision.payload == {"note": SHORT_REASON}


def test_given_orders_waiting_before_switching_on_when_read_again_then_none_is_refused(
    database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)
    switch_on(database, clock, shop)
    with database.reading() as session:
        short_id = session.scalars(select(Order.id).where(Order.marketplace_order_id == "SHORT-1"))
        order_id = short_id.one()

    kind, issues = decided(database, clock, order_id)

    assert kind is None  # imported before automatic refusal: left to the seller
    assert issues == [{"kind": "short", "sku": COUNTED, "wanted": 2, "available": 1}]
    with database.reading() as session:
        found = backlog.preview(session, shop, clock)
    assert [(item.marketplace_order_id, item.reason) for item in found] == [
        ("SHORT-1", SHORT_REASON)
    ]


def test_given_a_backlog_when_its_refusal_is_confirmed_then_each_is_refused_with_its_reason(
    database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)
    with database.session() as session:
        refused_while_off = backlog.refuse_backlog(session, shop, clock)
    switch_on(database, clock, shop)

    with database.session() as session:
        refused = backlog.refuse_backlog(session, shop, clock)

    assert refused_while_off == 0
    assert refused == 1
    assert refusals(database) == ["SHORT-1"]
    with database.reading() as session:
        order = session.scalars(select(Order).where(Order.marketplace_order_id == "SHORT-1")).one()
        [event] = session.scalars(select(OrderSyncEvent).where(OrderSyncEvent.kind == AUTO_REFUSED))
        entries = [entry for entry in timeline(session, order) if entry.kind == AUTO_REFUSED]
        queued = session.scalars(select(OutboxEntry.stream)).all()
    assert event.order_id == order.id
    assert event.details["reason"] == SHORT_REASON
    assert event.details["backlog"] is True
    assert [entry.details for entry in entries] == [SHORT_REASON]
    assert "order_actions" in queued


# The orders stream: what it decides, on the order's timeline.


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def marketplace(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(seed=7, offers=OFFERS, orders=0, processing_seconds=0)
    return Sandbox(config, clock=sandbox_clock)


@pytest.fixture
def stream_shop(
    settings: Settings, database: Database, marketplace: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """The stocked sandbox shop, automatic refusal on, no stock entered yet."""
    environment = stocked_environment(settings, database, marketplace, sandbox_clock)
    switch_on(database, sandbox_clock, CONNECTION)
    return environment


def automatic_events(environment: JobEnvironment, order_id: str) -> list[tuple[str, str | None]]:
    with environment.database.reading() as session:
        entries = timeline(session, stored(environment, order_id))
    return [(entry.kind, entry.details) for entry in entries if entry.kind.startswith("auto_")]


def test_given_no_stock_ever_entered_when_orders_arrive_then_none_is_refused(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    order_ids = marketplace.create_orders(3)

    run(stream_shop, "orders")

    assert refusals(stream_shop.database) == []
    for order_id in order_ids:
        issues = stored(stream_shop, order_id).stock_issues
        assert issues
        assert {issue["kind"] for issue in issues} == {"unmanaged"}
        assert automatic_events(stream_shop, order_id) == []


def test_given_a_short_sku_when_the_stream_refuses_then_the_timeline_says_how_many_lacked(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    [order_id] = marketplace.create_orders(1)
    wanted = marketplace_lines(marketplace, order_id)
    short = min(wanted)
    with shop_inventory(stream_shop) as stock:
        for item, units in wanted.items():
            stock.set_on_hand(item, "PARIS", units - (item == short), "count")

    run(stream_shop, "orders")

    reason = (
        f"not enough stock for SKU {short}: {wanted[short]} wanted, {wanted[short] - 1} available"
    )
    assert automatic_events(stream_shop, order_id) == [(AUTO_REFUSED, reason)]
    assert refusals(stream_shop.database) == [order_id]


def test_given_covered_lines_when_the_stream_accepts_then_the_timeline_says_why(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    [order_id] = marketplace.create_orders(1)
    with shop_inventory(stream_shop) as stock:
        for item, units in marketplace_lines(marketplace, order_id).items():
            stock.set_on_hand(item, "PARIS", units, "count")

    run(stream_shop, "orders")

    assert automatic_events(stream_shop, order_id) == [(AUTO_ACCEPTED, COVERED)]


# The page: a preview step, then the seller's choice.


@pytest.fixture
def admin_browser(
    settings: Settings, database: Database, clock: ManualClock, shop: int
) -> Iterator[TestClient]:
    with database.session() as session:
        create_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
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
    order_page = admin_browser.get(
        f"/orders/{_order_id(database, 'SHORT-1')}", headers=ENGLISH
    ).text
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


def _order_id(database: Database, marketplace_id: str) -> int:
    with database.reading() as session:
        query = select(Order.id).where(Order.marketplace_order_id == marketplace_id)
        return session.scalars(query).one()


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
    detail = admin_api.get(f"/api/v1/orders/{_order_id(database, 'SHORT-1')}").json()
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
