"""Finance: payout reconciliation of 1,000,000 operations against 300,000 orders, and the Finance
page, on SQLite and PostgreSQL.

A shop is seeded straight into a fresh database (not measured): 300,000 orders of one line each
and their operations (a sale and a commission per order, a logistics fee on a third of them, a
refund on one in twenty, a commission at a wrong rate on one in a thousand), spread over 36
payouts, until there are 1,000,000 operations. The rows go in by ``COPY`` on PostgreSQL and one
``executemany`` on SQLite, with the orders' figures triggers off (the Finance page reads none).
Then:

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
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.engine import Dialect, make_url

from bench import seeding
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


ORDER_COLUMNS = (
    "id",
    "connection_id",
    "marketplace_order_id",
    "status",
    "marketplace_updated_at",
    "purchased_at",
    "currency",
    "service_fees_amount",
    "business_order",
    "service_fees",
    "stock_issues",
    "imported_at",
    "updated_at",
)
LINE_COLUMNS = (
    "order_id",
    "line_id",
    "quantity",
    "unit_price",
    "shipping_cost",
    "total_amount",
    "commission_amount",
    "taxes",
    "stock_held",
    "stock_shipped",
)
OPERATION_COLUMNS = (
    "connection_id",
    "operation_id",
    "event_type",
    "operation_reference",
    "marketplace_order_id",
    "order_line_id",
    "operation_date",
    "release_payment_date",
    "payment_id",
    "payment_state",
    "amount_cents",
    "vat_cents",
    "commission_cents",
    "currency",
    "imported_at",
    "updated_at",
)


def _bulk(
    database: Database, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of ``columns`` as the models take them) the fastest way each
    database offers: ``COPY`` on PostgreSQL, one prepared ``executemany`` on SQLite."""
    dialect = database.engine.dialect
    names = ", ".join(columns)
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.execute("BEGIN IMMEDIATE")  # the engine leaves pysqlite in autocommit
            cursor.executemany(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                map(_binder(table, columns, dialect), rows),
            )
        cursor.close()
        raw.commit()
    finally:
        raw.close()


@contextmanager
def _no_triggers(database: Database, table: str) -> Iterator[None]:
    """The table's triggers off while it is seeded: the orders' figures triggers upsert the
    same few hourly and daily rows once per order, which on PostgreSQL, in one transaction, is
    quadratic (every update walks the row's versions). The Finance page reads no figure."""
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            triggers: list[str] = []
        else:
            rows = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (table,),
            ).all()
            triggers = [str(sql) for _, sql in rows]
            for name, _ in rows:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with database.engine.begin() as connection:
            if database.backend == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for sql in triggers:
                connection.exec_driver_sql(sql)


def _binder(
    table: Table, columns: Sequence[str], dialect: Dialect
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Turns a row's values into what the driver stores (SQLite: naive UTC text, floats), each
    distinct value converted once; JSON comes as its text already."""
    processors = [
        None
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in columns
    ]
    memo: list[dict[Any, Any]] = [{} for _ in columns]

    def bind(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = []
        for value, process, seen in zip(row, processors, memo, strict=True):
            if process is None or value is None:
                values.append(value)
            elif value in seen:
                values.append(seen[value])
            else:
                values.append(seen.setdefault(value, process(value)))
        return tuple(values)

    return bind


def seed(database: Database, operations: int) -> int:
    """A connection, an admin, 30 % as many orders as ``operations``, and the operations."""
    orders = max(1, operations * 3 // 10)
    _shop(database)
    totals = dict.fromkeys(range(PAYOUTS), 0)
    counts = dict.fromkeys(range(PAYOUTS), 0)
    days = [_payout_day(index) for index in range(PAYOUTS)]
    dated = [(day - timedelta(days=5), day - timedelta(days=2), f"P-{day:%Y%m%d}") for day in days]

    def prices(index: int) -> tuple[int, int]:
        total = 1000 + (index * 37) % 20000
        return total, total * 15 // 100

    order_rows = (
        (
            index + 1,
            1,
            f"26{index:011d}BNCH",
            "Delivered",
            NOW,
            NOW - timedelta(minutes=3 * index),
            "EUR",
            Decimal(0),
            False,
            "[]",
            "[]",
            NOW,
            NOW,
        )
        for index in range(orders)
    )
    with _no_triggers(database, Order.__tablename__):
        _bulk(database, Order.__table__, ORDER_COLUMNS, order_rows)
    line_rows = (
        (
            index + 1,
            "1",
            1,
            Decimal(total) / 100,
            Decimal(0),
            Decimal(total) / 100,
            Decimal(commission) / 100,
            "[]",
            False,
            0,
        )
        for index in range(orders)
        for total, commission in (prices(index),)
    )
    _bulk(database, OrderLine.__table__, LINE_COLUMNS, line_rows)

    def operation_rows() -> Iterator[tuple[Any, ...]]:
        made = number = 0
        while made < operations:
            index = number % orders
            order_id = f"26{index:011d}BNCH"
            payout = number % PAYOUTS
            operation_date, released, payment_id = dated[payout]
            if number < orders:
                total, commission = prices(index)
                charged = commission + (100 if index % 1000 == 0 else 0)
                kinds: tuple[tuple[str, int, int | None], ...] = (
                    ("Sale", total, None),
                    ("Commission", -charged, charged),
                )
            else:
                kinds = (("Refund" if number % 20 == 0 else "LogisticFee", -250, None),)
            for kind, cents, commission_cents in kinds:
                if made >= operations:
                    break
                totals[payout] += cents
                counts[payout] += 1
                yield (
                    1,
                    f"{kind[0]}-{order_id}-{made}",
                    kind,
                    order_id,
                    order_id,
                    "1",
                    operation_date,
                    released,
                    payment_id,
                    "Paid",
                    cents,
                    0,
                    commission_cents,
                    "EUR",
                    NOW,
                    NOW,
                )
                made += 1
            number += 1

    _bulk(database, FinanceOperation.__table__, OPERATION_COLUMNS, operation_rows())
    with database.session() as session:
        session.execute(
            insert(FinancePayout),
            [
                {
                    "connection_id": 1,
                    "payment_id": dated[index][2],
                    "payment_date": days[index],
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
            seeding.log_in(web, EMAIL, PASSWORD)
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
