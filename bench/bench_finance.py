"""Finance: payout reconciliation of 1,000,000 operations against 300,000 orders, and the Finance
page, on SQLite and PostgreSQL.

A shop is seeded straight into a fresh database (not measured): 300,000 orders of one line each
and their operations (a sale and a commission per order, a logistics fee on a third of them, a
refund on one in twenty, a commission at a wrong rate on one in a thousand), spread over 36
payouts, until there are 1,000,000 operations. Then:

- **reconciliation**: ``cdlink.hub.finance.reconciliation.reconcile`` over every row (its SQL
  batches, the differences stored), timed, and its ratio to the plain SQL aggregate over the same
  rows (one ``SUM ... GROUP BY payment_id``), measured side by side in the same run;
- **Finance page**: p95 of ``GET /finance`` (payouts, the next expected one, differences), target
  ≤ 200 ms.

``CDLINK_BENCH_FINANCE_OPERATIONS`` sets a smaller size for a check (the orders are 30 % of it);
``--quick`` uses 100,000 operations.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bench.harness import Measurement, Options, quantile, timings
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.finance.reconciliation import plain_aggregate, reconcile
from cdlink.store.engine import Database
from cdlink.store.migrate import upgrade
from cdlink.store.models import (
    Connection,
    FinanceOperation,
    FinancePayout,
    Order,
    OrderLine,
)
from cdlink.store.users import create_user

NAME = "finance"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EMAIL = "bench@cdlink.local"
PASSWORD = "bench-password"  # noqa: S105  (a throwaway account of a throwaway database)
POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PAYOUTS = 36
CHUNK = 20_000


def operations_for(options: Options) -> int:
    configured = os.environ.get("CDLINK_BENCH_FINANCE_OPERATIONS")
    if configured:
        return max(10, int(configured))
    return 100_000 if options.quick else 1_000_000


def _payout_day(index: int) -> datetime:
    month, slot = divmod(index, 3)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    return (start + timedelta(days=31 * month)).replace(day=(1, 11, 21)[slot])


def _shop(database: Database) -> None:
    with database.session() as session:
        session.add(
            Connection(
                id=1,
                name="Bench",
                seller_id=1,
                client_id="bench",
                secret_ciphertext="-",  # noqa: S106  (not a secret: nothing is called)
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        create_user(session, ManualClock(NOW), EMAIL, PASSWORD, is_admin=True)


def seed(database: Database, operations: int) -> int:
    """A connection, an admin, 30 % as many orders as ``operations``, and the operations."""
    orders = max(1, operations * 3 // 10)
    _shop(database)
    order_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    op_rows: list[dict[str, Any]] = []
    totals = dict.fromkeys(range(PAYOUTS), 0)
    counts = dict.fromkeys(range(PAYOUTS), 0)
    made = 0

    def flush(final: bool = False) -> None:
        with database.session() as session:
            if order_rows and (final or len(order_rows) >= CHUNK):
                session.execute(insert(Order), order_rows)
                session.execute(insert(OrderLine), line_rows)
                order_rows.clear()
                line_rows.clear()
            if op_rows and (final or len(op_rows) >= CHUNK):
                session.execute(insert(FinanceOperation), op_rows)
                op_rows.clear()

    def operation(number: int, kind: str, order_id: str, cents: int, **extra: Any) -> None:
        nonlocal made
        payout = number % PAYOUTS
        day = _payout_day(payout)
        totals[payout] += cents
        counts[payout] += 1
        op_rows.append(
            {
                "connection_id": 1,
                "operation_id": f"{kind[0]}-{order_id}-{made}",
                "event_type": kind,
                "operation_reference": order_id,
                "marketplace_order_id": order_id,
                "order_line_id": "1",
                "operation_date": day - timedelta(days=5),
                "release_payment_date": day - timedelta(days=2),
                "payment_id": f"P-{day:%Y%m%d}",
                "payment_state": "Paid",
                "amount_cents": cents,
                "vat_cents": 0,
                "currency": "EUR",
                "imported_at": NOW,
                "updated_at": NOW,
                **extra,
            }
        )
        made += 1

    number = 0
    while made < operations:
        index = number % orders
        order_id = f"26{index:011d}BNCH"
        if number < orders:
            total = 1000 + (index * 37) % 20000
            commission = total * 15 // 100
            order_rows.append(
                {
                    "id": index + 1,
                    "connection_id": 1,
                    "marketplace_order_id": order_id,
                    "status": "Delivered",
                    "marketplace_updated_at": NOW,
                    "purchased_at": NOW - timedelta(days=index % 300),
                    "currency": "EUR",
                    "service_fees_amount": Decimal(0),
                    "imported_at": NOW,
                    "updated_at": NOW,
                }
            )
            line_rows.append(
                {
                    "order_id": index + 1,
                    "line_id": "1",
                    "quantity": 1,
                    "unit_price": Decimal(total) / 100,
                    "shipping_cost": Decimal(0),
                    "total_amount": Decimal(total) / 100,
                    "commission_amount": Decimal(commission) / 100,
                }
            )
            charged = commission + (100 if index % 1000 == 0 else 0)
            operation(number, "Sale", order_id, total)
            operation(number, "Commission", order_id, -charged, commission_cents=charged)
        else:
            kind = "Refund" if number % 20 == 0 else "LogisticFee"
            operation(number, kind, order_id, -250)
        number += 1
        flush()
    flush(final=True)
    with database.session() as session:
        session.execute(
            insert(FinancePayout),
            [
                {
                    "connection_id": 1,
                    "payment_id": f"P-{_payout_day(index):%Y%m%d}",
                    "payment_date": _payout_day(index),
                    "state": "Paid",
                    "reported_cents": totals[index],
                    "reported_operations": counts[index],
                    "currency": "EUR",
                    "operations_read_state": "Paid",
                    "imported_at": NOW,
                    "updated_at": NOW,
                }
                for index in range(PAYOUTS)
                if counts[index]
            ],
        )
    with database.engine.connect() as connection:  # the statistics autovacuum would keep
        connection.execute(text("ANALYZE"))
        connection.commit()
    return orders


def log_in(web: TestClient) -> None:
    token = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/login").text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = web.post(
        "/login", data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"cannot log in to the benchmark shop: {answer.status_code}")


def measure(database: Database, backend: str, operations: int, samples: int) -> list[Measurement]:
    started = time.perf_counter()
    orders = seed(database, operations)
    seeded = time.perf_counter() - started
    with database.session() as session:  # warm the caches once, as a daily run finds them
        plain_aggregate(session, 1)
    started = time.perf_counter()
    with database.reading() as session:
        plain_aggregate(session, 1)
    plain = time.perf_counter() - started
    started = time.perf_counter()
    with database.session() as session:
        report = reconcile(session, 1, NOW)
    spent = time.perf_counter() - started
    if report.operations != operations:
        raise RuntimeError(f"reconciled {report.operations} operations of {operations}")
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(directory), sync_embedded_enabled=False
        )
        from cdlink.web.app import create_app  # noqa: PLC0415  (the web app only for the page)

        app = create_app(settings, database=database, clock=ManualClock(NOW))
        with TestClient(app, follow_redirects=False) as web:
            log_in(web)
            english = {"Accept-Language": "en"}
            if web.get("/finance", headers=english).status_code != 200:
                raise RuntimeError("the Finance page does not answer")
            page = timings(lambda: web.get("/finance", headers=english), samples=samples)
    size = f"{operations:,} operations, {orders:,} orders"
    found = sum(report.differences.values())
    return [
        Measurement(
            NAME,
            f"Reconciliation of {operations:,} operations against {orders:,} orders ({backend})",
            spent,
            "s",
            note=f"{found} differences found; seeded in {seeded:.0f} s (not measured)",
        ),
        Measurement(
            NAME,
            f"Reconciliation / plain SQL aggregate over the same rows ({backend})",
            spent / plain if plain else 0.0,
            "ratio",
            note=f"plain SUM … GROUP BY payment_id: {plain:.2f} s; {size}",
        ),
        Measurement(
            NAME,
            f"Finance page, p95 ({backend})",
            quantile(page, 0.95) * 1000,
            "ms",
            target="≤ 200 ms",
            note=f"{size}, {samples} requests",
        ),
    ]


def _postgres(admin_url: str, name: str) -> str:
    import psycopg  # noqa: PLC0415  (only the PostgreSQL benchmark needs it)

    url = make_url(admin_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg  # noqa: PLC0415

    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(options: Options) -> list[Measurement]:
    operations = operations_for(options)
    samples = 10 if options.quick else 30
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{Path(directory) / 'finance.sqlite3'}")
        try:
            upgrade(database)
            measurements += measure(database, "SQLite", operations, samples)
        finally:
            database.dispose()
    name = f"cdlink_bench_finance_{operations}"
    database = Database(_postgres(POSTGRES_URL, name))
    try:
        upgrade(database)
        measurements += measure(database, "PostgreSQL", operations, samples)
    finally:
        database.dispose()
        _drop_postgres(POSTGRES_URL, name)
    return measurements
