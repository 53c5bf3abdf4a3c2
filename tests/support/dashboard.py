"""A small shop for the dashboard and customers tests: two accounts, orders at chosen moments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry, Connection, Order, Product, SyncRun
from cdlink.web.app import create_app
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, log_in

# 10:20 in Paris: "today" began at 23:00 UTC the day before.
NOW = datetime(2026, 3, 2, 9, 20, tzinfo=UTC)
YESTERDAY = NOW - timedelta(days=1)


def web_client(settings: Settings, database: Database, clock: ManualClock) -> Iterator[TestClient]:
    """A logged-in administrator's browser on the app."""
    with database.session() as session:
        add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=database, clock=clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


def account(number: int, name: str, state: str = "active") -> Connection:
    return Connection(
        id=number,
        name=name,
        seller_id=1000 + number,
        client_id=f"client-{number}",
        secret_ciphertext="-",
        state=state,
        created_at=NOW - timedelta(days=400),
        updated_at=NOW,
    )


def sale(  # noqa: PLR0917  (one argument per figure an order feeds)
    number: int,
    bought: datetime,
    status: str,
    amount: str,
    customer: str | None,
    connection_id: int = 1,
    name: str | None = None,
) -> Order:
    return Order(
        connection_id=connection_id,
        marketplace_order_id=f"ORDER-{number}",
        status=status,
        marketplace_updated_at=bought,
        purchased_at=bought,
        currency="EUR",
        total_amount=Decimal(amount),
        service_fees_amount=Decimal(0),
        customer_reference=customer,
        customer_name=name or (f"Client {customer}" if customer else None),
        customer_email=f"{customer.lower()}@example.fr" if customer else None,
        imported_at=bought,
        updated_at=bought,
    )


def seed_shop(database: Database) -> None:
    """Today (until 10:20 in Paris) against yesterday until 10:20:

    today: 4 orders (one cancelled), 35.00 € sold over 3 orders, new customers K1 and K3;
    yesterday until 10:20: 1 order of 15.00 € (K2's first); yesterday after 10:20: K4's order;
    account 2 sold 500.00 € today; 3 products, one created today; runs 3 of 4 succeeded today,
    1 of 1 yesterday.
    """
    with database.session() as session:
        session.add_all([account(1, "Boutique A"), account(2, "Boutique B")])
        session.flush()
        today = NOW.replace(minute=0)
        session.add_all(
            [
                sale(1, today - timedelta(minutes=40), "Shipped", "10.00", "K1"),
                sale(2, today - timedelta(minutes=10), "Delivered", "20.00", "K2"),
                sale(3, today - timedelta(hours=2), "Cancelled", "50.00", "K3"),
                # 09:10 UTC: inside the last, unfinished hour (read from the orders themselves).
                sale(4, today + timedelta(minutes=10), "Shipped", "5.00", "K1"),
                sale(5, YESTERDAY.replace(minute=5), "Shipped", "15.00", "K2"),
                sale(6, YESTERDAY.replace(minute=30), "Shipped", "100.00", "K4"),
                sale(7, today - timedelta(hours=1), "Shipped", "500.00", "K9", connection_id=2),
            ]
        )
        for number, created in enumerate(
            (NOW - timedelta(days=10), NOW - timedelta(days=20), NOW - timedelta(hours=1))
        ):
            session.add(
                Product(
                    sku=f"SKU-{number}",
                    title=f"Product {number}",
                    created_at=created,
                    updated_at=created,
                )
            )
        for started, outcome in (
            (NOW - timedelta(hours=1), "succeeded"),
            (NOW - timedelta(hours=2), "succeeded"),
            (NOW - timedelta(hours=3), "succeeded"),
            (NOW - timedelta(hours=4), "failed"),
            (YESTERDAY - timedelta(hours=2), "succeeded"),
        ):
            session.add(
                SyncRun(
                    connection_id=1,
                    stream="orders",
                    started_at=started,
                    finished_at=started,
                    outcome=outcome,
                )
            )
        session.add(
            ActivityEntry(
                occurred_at=NOW - timedelta(minutes=5),
                connection_id=1,
                level="error",
                kind="sync.push_failed",
                message="A stock update could not be sent",
                details={},
            )
        )


def seed_recent(database: Database, now: datetime, days: int = 40) -> None:
    """A shop of the last ``days`` days before ``now``: an account, two orders a day (one of
    them cancelled every fifth day) from six returning customers, products, sync runs and
    activity, so every card of the dashboard has something to show."""
    statuses = ("Shipped", "Delivered", "WaitingAcceptance", "Accepted", "Cancelled")
    with database.session() as session:
        session.add(account(1, "Boutique Paris"))
        session.flush()
        number = 0
        for day in range(days):
            for slot in range(2):
                number += 1
                # Seconds before ``now``'s time of day, so each order stays on its calendar day in
                # any time zone whatever the hour the test runs (hours crossed midnight before
                # 07:00 in Paris, and the 30 days held 59 orders).
                bought = now - timedelta(days=day, seconds=1 + slot)
                status = statuses[number % len(statuses)] if day else "WaitingAcceptance"
                amount = f"{19 + (number * 7) % 60}.90"
                session.add(sale(number, bought, status, amount, f"K{number % 6}"))
        for index in range(5):
            created = now - timedelta(days=3 * index)
            session.add(
                Product(
                    sku=f"SKU-{index}",
                    title=f"Product {index}",
                    created_at=created,
                    updated_at=created,
                )
            )
        for hour in range(48):
            started = now - timedelta(hours=hour, minutes=5)
            outcome = "failed" if hour % 11 == 3 else "succeeded"
            session.add(
                SyncRun(
                    connection_id=1,
                    stream="orders",
                    started_at=started,
                    finished_at=started,
                    outcome=outcome,
                )
            )
        for minutes, level, kind, message in (
            (2, "info", "orders.reconciled", "Orders checked: none missing"),
            (30, "error", "sync.push_failed", "A stock update could not be sent"),
            (90, "info", "connection.reactivated", "The account syncs again"),
        ):
            session.add(
                ActivityEntry(
                    occurred_at=now - timedelta(minutes=minutes),
                    connection_id=1,
                    level=level,
                    kind=kind,
                    message=message,
                    details={},
                )
            )
