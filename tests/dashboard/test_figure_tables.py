"""``order_hours`` and ``customers`` are kept by triggers: after inserts, status changes, moves
between hours and customers, and deletions, they equal a plain recount of ``orders`` (both
databases)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from cdlink.hub.dashboard.overview import series
from cdlink.hub.dashboard.periods import resolve
from cdlink.store.engine import Database
from cdlink.store.models import (
    Connection,
    Customer,
    Order,
    OrderDay,
    OrderHour,
    SyncRun,
    SyncRunHour,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_SOLD = ("Refused", "Cancelled")
STATUSES = ("WaitingAcceptance", "Shipped", "Cancelled", "Refused", "Delivered")


def add_connections(database: Database) -> None:
    with database.session() as session:
        for number in (1, 2):
            session.add(
                Connection(
                    id=number,
                    name=f"Shop {number}",
                    seller_id=1000 + number,
                    client_id=f"client-{number}",
                    secret_ciphertext="-",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


def new_order(number: int, **values: object) -> Order:
    fields: dict[str, object] = {
        "connection_id": 1,
        "marketplace_order_id": f"O-{number}",
        "status": "Shipped",
        "marketplace_updated_at": NOW,
        "purchased_at": NOW - timedelta(minutes=37 * number),
        "currency": "EUR",
        "total_amount": Decimal("10.05") * number,
        "service_fees_amount": Decimal(0),
        "customer_reference": f"C{number % 3}",
        "customer_name": f"Client {number % 3}",
        "imported_at": NOW,
        "updated_at": NOW,
    }
    fields.update(values)
    return Order(**fields)


def recount(database: Database) -> tuple[dict[object, object], dict[object, object]]:
    """(the hours, the customers) from ``orders`` and from the two tables."""
    with database.reading() as session:
        orders = list(session.scalars(select(Order)))
        hours: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
        days: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
        customers: dict[tuple[object, ...], list[object]] = {}
        for order in orders:
            cents = int((order.total_amount or Decimal(0)) * 100)
            if order.purchased_at is not None:
                hour = order.purchased_at.replace(minute=0, second=0, microsecond=0)
                row = hours[(hour, order.connection_id, order.status, order.currency)]
                row[0] += 1
                row[1] += cents
                day = hour.replace(hour=0)
                line_of_day = days[(day, order.connection_id, order.status, order.currency)]
                line_of_day[0] += 1
                line_of_day[1] += cents
            key = order.customer_reference or order.customer_email or order.customer_name
            if key is None:
                continue
            sold = 0 if order.status in NOT_SOLD else cents
            line = customers.setdefault((order.connection_id, key), [0, 0, None, None])
            line[0] = int(line[0]) + 1  # type: ignore[call-overload]
            line[1] = int(line[1]) + sold  # type: ignore[call-overload]
            if order.purchased_at is not None:
                first, last = line[2], line[3]
                line[2] = order.purchased_at if first is None else min(first, order.purchased_at)  # type: ignore[type-var]
                line[3] = order.purchased_at if last is None else max(last, order.purchased_at)  # type: ignore[type-var]
        expected_hours = {key: tuple(value) for key, value in hours.items()}
        expected_days = {key: tuple(value) for key, value in days.items()}
        stored_days = {
            (row.day, row.connection_id, row.status, row.currency): (row.orders, row.amount_cents)
            for row in session.scalars(select(OrderDay))
        }
        expected_customers = {key: tuple(value) for key, value in customers.items()}
        stored_hours = {
            (row.hour, row.connection_id, row.status, row.currency): (row.orders, row.amount_cents)
            for row in session.scalars(select(OrderHour))
        }
        stored_customers = {
            (row.connection_id, row.key): (
                row.orders,
                row.revenue_cents,
                row.first_order_at,
                row.last_order_at,
            )
            for row in session.scalars(select(Customer))
        }
    assert stored_days == expected_days
    return (
        {"expected": expected_hours, "stored": stored_hours},
        {"expected": expected_customers, "stored": stored_customers},
    )


def assert_exact(database: Database) -> None:
    hours, customers = recount(database)
    assert hours["stored"] == hours["expected"]
    assert customers["stored"] == customers["expected"]


def test_given_orders_inserted_changed_moved_and_deleted_when_recounted_then_the_tables_match(
    database: Database,
) -> None:
    add_connections(database)
    with database.session() as session:
        session.add_all([new_order(number) for number in range(1, 13)])
        session.add(new_order(13, customer_reference=None, customer_name=None, purchased_at=None))
    assert_exact(database)
    with database.session() as session:
        first = session.scalars(select(Order).where(Order.marketplace_order_id == "O-1")).one()
        first.status = "Cancelled"
        second = session.scalars(select(Order).where(Order.marketplace_order_id == "O-2")).one()
        second.purchased_at = NOW - timedelta(days=40)
        second.customer_reference = "C9"
        third = session.scalars(select(Order).where(Order.marketplace_order_id == "O-3")).one()
        third.connection_id = 2
        third.total_amount = Decimal("1.99")
        orphan = session.scalars(select(Order).where(Order.marketplace_order_id == "O-13")).one()
        orphan.purchased_at = NOW
        orphan.customer_email = "someone@example.com"
    assert_exact(database)
    with database.session() as session:
        session.execute(delete(Order).where(Order.marketplace_order_id.in_(["O-12", "O-9"])))
    assert_exact(database)


def test_given_the_only_order_of_a_customer_when_its_status_changes_then_the_customer_keeps_its_id(
    database: Database,
) -> None:
    add_connections(database)
    with database.session() as session:
        session.add(new_order(1, customer_reference="ALONE"))
    with database.reading() as session:
        before = session.scalars(select(Customer.id).where(Customer.key == "ALONE")).one()
    with database.session() as session:
        session.scalars(select(Order)).one().status = "Delivered"
    with database.reading() as session:
        after = session.scalars(select(Customer).where(Customer.key == "ALONE")).one()
    assert (after.id, after.orders, after.revenue_cents) == (before, 1, 1005)


def test_given_orders_bulk_inserted_in_sql_when_recounted_then_the_figure_tables_match(
    database: Database,
) -> None:
    add_connections(database)
    with database.engine.begin() as connection:
        for number in range(1, 6):
            order = new_order(number, status=STATUSES[number % len(STATUSES)])
            # The columns the order sets; the others take their defaults, as in any bulk insert.
            values = {
                column.key: getattr(order, column.key)
                for column in Order.__table__.columns
                if column.key != "id" and getattr(order, column.key) is not None
            }
            values["service_fees"] = []
            values["stock_issues"] = []
            values["business_order"] = False
            connection.execute(Order.__table__.insert().values(**values))
    assert_exact(database)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=6),
            st.sampled_from(STATUSES),
            st.integers(min_value=0, max_value=3000),
            st.sampled_from(["A", "B", None]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_given_any_sequence_of_order_writes_when_recounted_then_the_figure_tables_match(
    database: Database, changes: list[tuple[int, str, int, str | None, bool]]
) -> None:
    with database.session() as session:
        session.execute(delete(Order))
        missing = session.get(Connection, 1) is None
    if missing:
        add_connections(database)
    for number, status, minutes, customer, remove in changes:
        with database.session() as session:
            found = session.scalars(
                select(Order).where(Order.marketplace_order_id == f"O-{number}")
            ).one_or_none()
            if found is None:
                session.add(
                    new_order(
                        number,
                        status=status,
                        purchased_at=NOW - timedelta(minutes=minutes),
                        customer_reference=customer,
                        customer_name=None,
                    )
                )
            elif remove:
                session.delete(found)
            else:
                found.status = status
                found.purchased_at = NOW - timedelta(minutes=minutes)
                found.customer_reference = customer
        assert_exact(database)


def test_given_runs_started_finished_and_pruned_when_recounted_then_the_run_hours_match(
    database: Database,
) -> None:
    add_connections(database)
    with database.session() as session:
        for number in range(8):
            session.add(
                SyncRun(
                    connection_id=1 + number % 2,
                    stream="orders",
                    started_at=NOW - timedelta(minutes=25 * number),
                    outcome="running",
                )
            )
    with database.session() as session:
        runs = list(session.scalars(select(SyncRun).order_by(SyncRun.id)))
        for run in runs[:6]:
            run.outcome = "failed" if run.id % 3 == 0 else "succeeded"
            run.finished_at = NOW
        runs[6].started_at = NOW - timedelta(days=2)
    with database.session() as session:
        session.execute(delete(SyncRun).where(SyncRun.id == runs[1].id))

    with database.reading() as session:
        expected: dict[tuple[object, ...], int] = defaultdict(int)
        for run in session.scalars(select(SyncRun)):
            hour = run.started_at.replace(minute=0, second=0, microsecond=0)
            expected[(hour, run.connection_id, run.outcome)] += 1
        stored = {
            (row.hour, row.connection_id, row.outcome): row.runs
            for row in session.scalars(select(SyncRunHour))
        }
    assert stored == dict(expected)


def test_given_orders_around_midnight_when_the_daily_trend_is_read_then_it_matches_a_recount(
    database: Database,
) -> None:
    add_connections(database)
    with database.session() as session:
        # Every 97 minutes over 40 days: orders at every hour, on both sides of midnight in
        # Paris (23:00 or 22:00 UTC) and across the end of summer time (2026-10-25).
        for number in range(1, 600):
            status = STATUSES[number % len(STATUSES)]
            moment = datetime(2026, 11, 1, 9, 20, tzinfo=UTC) - timedelta(minutes=97 * number)
            session.add(new_order(number, status=status, purchased_at=moment))
    zone = ZoneInfo("Europe/Paris")
    now = datetime(2026, 11, 1, 9, 20, tzinfo=UTC)

    with database.reading() as session:
        period = resolve("30d", now, zone)
        points = series(session, period, "EUR", None)
        orders = list(session.scalars(select(Order)))

    expected: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    for order in orders:
        assert order.purchased_at is not None
        if period.start <= order.purchased_at < period.end:
            line = expected[order.purchased_at.astimezone(zone).date()]
            line[0] += 1
            if order.status not in NOT_SOLD:
                line[1] += int((order.total_amount or Decimal(0)) * 100)
    found = {
        point.start.date(): [point.orders, int(point.revenue * 100)]
        for point in points
        if point.orders
    }
    assert len(points) == 30
    assert found == dict(expected)
