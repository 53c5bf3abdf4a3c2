"""The dashboard: the shop's figures from seeded orders, stock and sync records (both databases)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.dashboard.figures import build_dashboard, sales_since
from cdlink.hub.orders.queries import OrderFilter, list_orders
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.store.engine import Database
from cdlink.store.models import (
    Connection,
    Order,
    OutboxEntry,
    QuarantinedRecord,
    StockPushStatus,
    SyncRun,
)
from cdlink.sync.engine.schedules import schedule_for
from cdlink.sync.stock.pusher import publish_to_outbox
from cdlink.web.app import create_app
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, log_in

# 10:00 in Paris: "today" began at 23:00 UTC the day before.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def browser(settings: Settings, database: Database, clock: ManualClock) -> Iterator[TestClient]:
    with database.session() as session:
        add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=database, clock=clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


def connection(number: int, name: str, *, state: str = "active", stock: bool = False) -> Connection:
    return Connection(
        id=number,
        name=name,
        seller_id=1000 + number,
        client_id=f"client-{number}",
        secret_ciphertext="-",
        stock_sync_enabled=stock,
        state=state,
        state_reason="the credentials were refused" if state != "active" else None,
        created_at=NOW,
        updated_at=NOW,
    )


def order(  # noqa: PLR0917  (one argument per figure the order feeds)
    number: int,
    status: str,
    bought: timedelta,
    amount: str,
    currency: str = "EUR",
    acceptance: timedelta | None = None,
    shipping: timedelta | None = None,
) -> Order:
    return Order(
        connection_id=1,
        marketplace_order_id=f"ORDER-{number}",
        status=status,
        marketplace_updated_at=NOW,
        purchased_at=NOW - bought,
        currency=currency,
        total_amount=Decimal(amount),
        service_fees_amount=Decimal(0),
        acceptance_deadline=NOW + acceptance if acceptance is not None else None,
        shipping_deadline=NOW + shipping if shipping is not None else None,
        imported_at=NOW,
        updated_at=NOW,
    )


def seed_orders(database: Database) -> None:
    hour, day = timedelta(hours=1), timedelta(days=1)
    with database.session() as session:
        session.add_all(
            [
                connection(1, "Boutique A", stock=True),
                connection(2, "Boutique B", state="reauth_required"),
            ]
        )
        session.flush()
        session.add_all(
            [
                order(1, "Shipped", 1 * hour, "10.10"),
                order(2, "WaitingAcceptance", 8.5 * hour, "20.20", acceptance=-1 * hour),
                # 23:30 in Paris yesterday: in the last 7 days, not today.
                order(3, "WaitingAcceptance", 10.5 * hour, "5.05", acceptance=3 * hour),
                order(4, "Accepted", 3 * day, "100.00", shipping=-2 * hour),
                order(5, "Cancelled", 3 * day, "999.00"),
                order(6, "InPreparation", 10 * day, "7.00", shipping=1 * day),
                order(7, "WaitingAcceptance", 2 * hour, "0.10", acceptance=20 * hour),
                order(8, "Shipped", 2 * hour, "12.34", currency="GBP"),
            ]
        )


def seed_stock_and_sync(database: Database, clock: ManualClock) -> None:
    with database.session() as session:
        add_warehouse(session, clock, "MAIN", "Main")
        for sku in ("SKU-A", "SKU-B", "SKU-C", "SKU-D"):
            add_product(session, clock, sku)
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("MAIN", 1)
        for sku, units in (("SKU-A", 5), ("SKU-B", 0), ("SKU-C", 3), ("SKU-D", 9)):
            stock.set_on_hand(sku, "MAIN", units, "count")
        stock.reserve(1, "ORDER-4", "SKU-C", 3)  # all of SKU-C is held by an order
        stock.set_buffer(1, 9, sku="SKU-D")  # SKU-D is kept back entirely
        session.add_all(
            [
                StockPushStatus(
                    connection_id=1,
                    sku="SKU-A",
                    quantity=5,
                    pushed_at=NOW,
                    outcome="refused",
                    reason="unknown offer",
                ),
                outbox_entry("SKU-X", "pending", created=NOW - timedelta(hours=1)),
                outbox_entry("SKU-Y", "failed", created=NOW - timedelta(minutes=1)),
                QuarantinedRecord(
                    connection_id=1,
                    stream="orders",
                    external_id="BROKEN-1",
                    reason="no currency",
                    raw={"orderId": "BROKEN"},
                    first_seen_at=NOW,
                    last_seen_at=NOW,
                ),
                QuarantinedRecord(
                    connection_id=1,
                    stream="orders",
                    external_id="BROKEN-2",
                    reason="no currency",
                    raw={"orderId": "BROKEN"},
                    first_seen_at=NOW,
                    last_seen_at=NOW,
                    resolved_at=NOW,
                ),
            ]
        )
        succeeded = run("orders", "succeeded", finished=NOW - timedelta(seconds=30))
        failed = run("stock", "failed", finished=NOW, message="Cdiscount did not answer")
        session.add_all([succeeded, failed])
        session.flush()
        schedule_for(session, 1, "orders").last_run_id = succeeded.id
        stock_schedule = schedule_for(session, 1, "stock")
        stock_schedule.failures, stock_schedule.last_run_id = 2, failed.id


def outbox_entry(key: str, state: str, *, created: datetime) -> OutboxEntry:
    return OutboxEntry(
        connection_id=1,
        stream="stock",
        key=key,
        payload={"quantity": 1},
        state=state,
        created_at=created,
        available_at=created,
    )


def run(stream: str, outcome: str, *, finished: datetime, message: str | None = None) -> SyncRun:
    return SyncRun(
        connection_id=1,
        stream=stream,
        started_at=finished - timedelta(seconds=2),
        finished_at=finished,
        outcome=outcome,
        message=message,
    )


def test_given_seeded_orders_when_the_figures_are_built_then_they_count_and_sum_them(
    database: Database, clock: ManualClock
) -> None:
    seed_orders(database)
    seed_stock_and_sync(database, clock)

    with database.reading() as session:
        figures = build_dashboard(session, NOW, PARIS)
        today = sales_since(session, figures.today_start)
        week = sales_since(session, figures.week_start)

    assert figures.connections == 2
    assert figures.today_start == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert today.orders == 4
    assert today.revenue == {"EUR": Decimal("30.40"), "GBP": Decimal("12.34")}
    assert week.orders == 7
    assert week.revenue == {"EUR": Decimal("135.45"), "GBP": Decimal("12.34")}
    acceptance = figures.acceptance
    assert (acceptance.orders, acceptance.late, acceptance.due_soon) == (3, 1, 1)
    assert acceptance.nearest == NOW - timedelta(hours=1)
    shipping = figures.shipping
    assert (shipping.orders, shipping.late, shipping.nearest) == (2, 1, NOW - timedelta(hours=2))
    assert figures.quarantined == 1
    assert figures.stock.out_of_stock == 3
    assert figures.stock.out_of_stock_skus == ("SKU-B", "SKU-C", "SKU-D")
    assert (figures.stock.refused_pushes, figures.stock.failed_pushes) == (1, 1)
    assert figures.stock.stale_pushes == 1
    first, second = figures.health
    assert (first.name, first.last_orders_import) == ("Boutique A", NOW - timedelta(seconds=30))
    assert (first.failing_streams, first.last_error) == (1, "Cdiscount did not answer")
    assert not first.healthy
    assert (second.state, second.last_orders_import, second.quarantined) == (
        "reauth_required",
        None,
        0,
    )


def test_given_seeded_orders_when_the_dashboard_renders_then_it_shows_the_figures_and_links(
    browser: TestClient, database: Database, clock: ManualClock
) -> None:
    seed_orders(database)
    seed_stock_and_sync(database, clock)

    page = browser.get("/?period=today", headers=ENGLISH).text
    week = browser.get("/?period=7d", headers=ENGLISH).text

    assert _kpi(page, "orders") == ("/orders?purchased_from=2026-03-02", "4")
    assert _kpi(week, "orders") == ("/orders?purchased_from=2026-02-24", "7")
    assert _figure(page, "awaiting-acceptance") == ("/orders?status=WaitingAcceptance", "3")
    assert _figure(page, "to-ship") == ("/orders?status=Accepted,InPreparation", "2")
    assert _kpi(page, "revenue")[1] == "€30.40"  # the main currency; £12.34 is left aside
    assert ">1 late<" in page
    assert ">1 due within 12 h<" in page
    assert ">1 overdue<" in page
    assert ", 09:00</span>" in page  # the nearest acceptance deadline, 10:00 in Paris less an hour
    assert "3 SKUs cannot be bought on a stock-synced account" in page
    assert "SKU-B, SKU-C, SKU-D" in page
    assert "Cdiscount did not answer" in page
    assert "Sign in again" in page
    assert "No figures yet" not in page
    french = browser.get("/?period=today", headers={"Accept-Language": "fr"}).text
    assert "Chiffre d\u2019affaires" in french
    assert _kpi(french, "revenue")[1] == "30,40\xa0€"


def test_given_dashboard_links_when_followed_then_the_list_shows_the_same_orders(
    browser: TestClient, database: Database
) -> None:
    seed_orders(database)
    page = browser.get("/?period=today", headers=ENGLISH).text
    today = _kpi(page, "orders")[0]
    listing = browser.get(today, headers=ENGLISH).text
    assert set(re.findall(r">(ORDER-\d+)</a>", listing)) == {
        "ORDER-1",
        "ORDER-2",
        "ORDER-7",
        "ORDER-8",
    }

    for testid, expected in (
        ("acceptance-late", {"ORDER-2"}),
        ("acceptance-soon", {"ORDER-3"}),
        ("to-ship", {"ORDER-4", "ORDER-6"}),
        ("shipping-late", {"ORDER-4"}),
    ):
        link = re.search(rf'href="([^"]+)"[^>]*data-testid="{testid}"', page)
        assert link, testid
        listing = browser.get(link.group(1).replace("&amp;", "&"), headers=ENGLISH).text
        assert set(re.findall(r">(ORDER-\d+)</a>", listing)) == expected, testid


def test_given_no_connection_when_the_dashboard_renders_then_it_invites_to_connect(
    browser: TestClient,
) -> None:
    page = browser.get("/", headers=ENGLISH).text

    assert "Connect your Cdiscount account" in page
    assert "No figures yet" in page


def _kpi(page: str, name: str) -> tuple[str, str]:
    """The link and the value of KPI card ``name``."""
    found = re.search(
        rf'data-testid="kpi-{name}">.*?<a href="([^"]+)" data-role="value">([^<]+)</a>', page, re.S
    )
    assert found, name
    return found.group(1).replace("&amp;", "&"), found.group(2)


def _figure(page: str, testid: str) -> tuple[str, str]:
    found = re.search(rf'<a href="([^"]+)" data-testid="{testid}">([^<]+)</a>', page)
    assert found, testid
    return found.group(1), found.group(2)


def test_given_more_orders_than_the_count_limit_when_listed_then_the_count_stops_there(
    database: Database,
) -> None:
    seed_orders(database)

    with database.reading() as session:
        capped = list_orders(session, OrderFilter(), page=1, page_size=3, count_limit=5)
        last = list_orders(session, OrderFilter(), page=3, page_size=3, count_limit=5)
        exact = list_orders(session, OrderFilter(), page=3, page_size=3)
        beyond = list_orders(session, OrderFilter(), page=10, page_size=3, count_limit=5)
        waiting = OrderFilter(statuses=("WaitingAcceptance",))
        small = list_orders(session, waiting, page=1, page_size=3, count_limit=5)

    assert (capped.total, capped.exact, capped.has_next) == (5, False, True)
    newest = [order.marketplace_order_id for order in capped.orders]
    assert newest == ["ORDER-1", "ORDER-8", "ORDER-7"]
    assert (last.total, last.exact, last.has_next, len(last.orders)) == (8, True, False, 2)
    assert (exact.total, exact.exact, exact.pages) == (8, True, 3)
    assert (beyond.orders, beyond.total, beyond.exact, beyond.has_next) == ([], 5, False, False)
    assert (small.total, small.exact, small.has_next) == (3, True, False)


def test_given_an_unknown_status_when_listed_then_no_order_matches(
    browser: TestClient, database: Database
) -> None:
    seed_orders(database)

    page = browser.get("/orders?status=Nope", headers=ENGLISH).text

    assert "0 orders" in page
    assert "ORDER-" not in page
