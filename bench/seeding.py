"""A million-order shop for the page benchmarks, seeded in SQL and cached by schema revision.

The orders are made by the database itself (a recursive CTE on SQLite, ``generate_series`` on
PostgreSQL, one ``INSERT … SELECT``), so a million rows take seconds to a minute rather than the
hours the ORM would need. The seeded SQLite file is kept under ``.bench-cache/`` (gitignored),
named after the schema revision (and a digest of the migrations), the size and ``SEED_VERSION``:
a new or edited migration or a change of the seed makes a new file, and a repeated run reuses
the old one. PostgreSQL keeps one database per key the same way (``cdlink_bench_…``); older
ones are dropped.

The shop: three connections (the first stock-synced, with 1,000 SKUs of which some are out of
stock); ``size`` orders spread evenly over two years back from ``NOW``, the newest two days
waiting for acceptance, accepted or in preparation, the older ones shipped or delivered, one in
twenty cancelled and one in twenty refused; about two weeks of successful orders runs per
connection (every 10 s), as the run history keeps; 300,000 stock updates already sent, which the
outbox keeps.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cdlink.core.clock import ManualClock
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.store.users import create_user
from cdlink.sync.stock.pusher import publish_to_outbox

if TYPE_CHECKING:
    from bench.harness import Options

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
MIGRATIONS = Path(migrate.__file__).parent / "migrations" / "versions"
# Change when the seed below changes, so cached databases are made again.
SEED_VERSION = 2
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
RECENT = timedelta(days=2)
CONNECTIONS = 3
SKUS = 1000
RUNS_PER_CONNECTION = 120_000  # two weeks of runs every 10 s
DONE_PUSHES = 300_000  # stock changes already sent: the outbox keeps them
EMAIL = "bench@cdlink.local"
PASSWORD = "bench-password"  # noqa: S105  (a throwaway account of a throwaway database)


def schema_revision(versions: Path = MIGRATIONS) -> str:
    """The newest migration's revision and a digest of every migration's text: part of every
    cache key, so even an edited migration (before it is released) makes a new shop.
    """
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    head = migrate.head_revision(Database("sqlite://")) or "none"
    return f"{head}+{digest.hexdigest()[:12]}"


def cache_key(size: int, revision: str, version: int = SEED_VERSION) -> str:
    """What names a seeded database: number of orders, and a digest of the schema revision,
    the size and the seed version (short enough for a PostgreSQL database name).
    """
    digest = hashlib.sha256(f"{revision}:{size}:{version}".encode()).hexdigest()[:12]
    return f"orders_{size}_{digest}"


def sqlite_path(size: int, revision: str, cache: Path = CACHE) -> Path:
    return cache / f"{cache_key(size, revision)}.sqlite3"


def spacing_seconds(size: int) -> int:
    """Seconds between two consecutive orders, so ``size`` orders span two years."""
    return max(1, int(SPAN.total_seconds()) // max(size, 1))


def status_sql(recent: int) -> str:
    """The status of order ``i`` (0 the newest) as a SQL expression, same on both databases."""
    return (
        f"CASE WHEN i < {recent} THEN "
        "(CASE i % 3 WHEN 0 THEN 'WaitingAcceptance' WHEN 1 THEN 'Accepted' "
        "ELSE 'InPreparation' END) "
        "ELSE (CASE WHEN i % 20 = 0 THEN 'Cancelled' WHEN i % 20 = 1 THEN 'Refused' "
        "WHEN i % 2 = 0 THEN 'Delivered' ELSE 'Shipped' END) END"
    )


COLUMNS = (
    "connection_id, marketplace_order_id, reference, status, marketplace_updated_at, "
    "purchased_at, business_order, currency, total_amount, service_fees_amount, service_fees, "
    "customer_name, acceptance_deadline, shipping_deadline, imported_at, updated_at"
)


def sqlite_orders_sql(size: int) -> str:
    spacing = spacing_seconds(size)
    recent = int(RECENT.total_seconds()) // spacing
    now = NOW.strftime("%Y-%m-%d %H:%M:%S")

    def moment(offset: str) -> str:
        return f"datetime('{now}', {offset}) || '.000000'"

    bought = f"'-' || (i * {spacing}) || ' seconds'"
    accept = f"'+' || (2 * 86400 - i * {spacing}) || ' seconds'"
    ship = f"'+' || (3 * 86400 - i * {spacing}) || ' seconds'"
    return (
        f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {size}) "
        f"INSERT INTO orders ({COLUMNS}) SELECT "
        f"1 + i % {CONNECTIONS}, printf('B%010d', i), printf('R%010d', i), {status_sql(recent)}, "
        f"{moment(bought)}, {moment(bought)}, 0, 'EUR', 5 + (i % 9000) / 100.0, 0, '[]', "
        f"'Client ' || (i % 50000), {moment(accept)}, {moment(ship)}, "
        f"{moment(bought)}, {moment(bought)} FROM n"
    )


def postgres_orders_sql(size: int) -> str:
    spacing = spacing_seconds(size)
    recent = int(RECENT.total_seconds()) // spacing
    now = f"TIMESTAMPTZ '{NOW.isoformat()}'"
    bought = f"({now} - make_interval(secs => i * {spacing}))"
    return (
        f"INSERT INTO orders ({COLUMNS}) SELECT "
        f"1 + i % {CONNECTIONS}, 'B' || lpad(i::text, 10, '0'), 'R' || lpad(i::text, 10, '0'), "
        f"{status_sql(recent)}, {bought}, {bought}, false, 'EUR', "
        f"round(5 + (i % 9000) / 100.0, 2), 0, '[]'::json, 'Client ' || (i % 50000), "
        f"{bought} + interval '2 days', {bought} + interval '3 days', {bought}, {bought} "
        f"FROM generate_series(0, {size - 1}) AS i"
    )


def runs_sql(dialect: str, runs: int = RUNS_PER_CONNECTION) -> str:
    """Successful orders runs every 10 s (two weeks of them by default), per connection."""
    if dialect == "sqlite":
        now = NOW.strftime("%Y-%m-%d %H:%M:%S")
        started = f"datetime('{now}', '-' || (i * 10) || ' seconds') || '.000000'"
        return (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
            f"WHERE i + 1 < {runs}) "
            'INSERT INTO sync_runs (connection_id, stream, "trigger", attempt, started_at, '
            "finished_at, outcome, counts) "
            f"SELECT c.id, 'orders', 'schedule', 1, {started}, {started}, 'succeeded', '{{}}' "
            "FROM n CROSS JOIN connections AS c"
        )
    started = f"(TIMESTAMPTZ '{NOW.isoformat()}' - make_interval(secs => i * 10))"
    return (
        'INSERT INTO sync_runs (connection_id, stream, "trigger", attempt, started_at, '
        "finished_at, outcome, counts) "
        f"SELECT c.id, 'orders', 'schedule', 1, {started}, {started}, 'succeeded', '{{}}'::json "
        f"FROM generate_series(0, {runs - 1}) AS i CROSS JOIN connections AS c"
    )


def pushes_sql(dialect: str, pushes: int = DONE_PUSHES) -> str:
    """Stock updates of connection 1 already sent (state done), one a minute back from NOW."""
    if dialect == "sqlite":
        now = NOW.strftime("%Y-%m-%d %H:%M:%S")
        at = f"datetime('{now}', '-' || (60 + i * 60) || ' seconds') || '.000000'"
        return (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
            f"WHERE i + 1 < {pushes}) "
            "INSERT INTO outbox (connection_id, stream, key, payload, state, created_at, "
            "available_at, attempts, finished_at) "
            f"SELECT 1, 'stock', printf('SKU-%05d', i % {SKUS}), '{{}}', 'done', {at}, {at}, 1, "
            f"{at} FROM n"
        )
    at = f"(TIMESTAMPTZ '{NOW.isoformat()}' - make_interval(secs => 60 + i * 60))"
    return (
        "INSERT INTO outbox (connection_id, stream, key, payload, state, created_at, "
        "available_at, attempts, finished_at) "
        f"SELECT 1, 'stock', 'SKU-' || lpad((i % {SKUS})::text, 5, '0'), '{{}}'::json, 'done', "
        f"{at}, {at}, 1, {at} FROM generate_series(0, {pushes - 1}) AS i"
    )


def seed(
    database: Database, size: int, runs: int = RUNS_PER_CONNECTION, pushes: int = DONE_PUSHES
) -> None:
    """Migrate ``database`` and fill it with the benchmark shop (``runs`` per connection,
    ``pushes`` stock updates already sent).
    """
    migrate.upgrade(database)
    clock = ManualClock(NOW)
    with database.session() as session:
        create_user(session, clock, EMAIL, PASSWORD, is_admin=True)
        for number in range(1, CONNECTIONS + 1):
            session.add(
                Connection(
                    id=number,
                    name=f"Shop {number}",
                    seller_id=700000 + number,
                    client_id=f"bench-{number}",
                    secret_ciphertext="-",  # noqa: S106  (not a secret: nothing is called)
                    stock_sync_enabled=number == 1,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        add_warehouse(session, clock, "MAIN", "Main")
        for index in range(SKUS):
            add_product(session, clock, f"SKU-{index:05d}")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("MAIN", 1)
        for index in range(SKUS):
            stock.set_on_hand(f"SKU-{index:05d}", "MAIN", index % 7, "count")
    dialect = database.engine.dialect.name
    orders = sqlite_orders_sql(size) if dialect == "sqlite" else postgres_orders_sql(size)
    with database.engine.begin() as connection:
        connection.execute(text(orders))
        connection.execute(text(runs_sql(dialect, runs)))
        connection.execute(text(pushes_sql(dialect, pushes)))
    with database.engine.connect() as connection:
        if dialect == "postgresql":
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def cached_sqlite(size: int, cache: Path = CACHE) -> tuple[Path, bool]:
    """The seeded SQLite file for ``size`` orders, and whether it had to be made now."""
    path = sqlite_path(size, schema_revision(), cache)
    if path.exists():
        return path, False
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"orders_{size}_*"):
        stale.unlink()
    partial = path.with_suffix(".partial")  # stale ones went with the glob above
    partial.unlink(missing_ok=True)
    database = Database(f"sqlite:///{partial}")
    try:
        seed(database, size)
    finally:
        database.dispose()
    partial.rename(path)
    return path, True


def cached_postgres(admin_url: str, size: int, prefix: str = "cdlink_bench_") -> tuple[str, bool]:
    """The URL of the seeded PostgreSQL database for ``size`` orders, and whether it was made now.

    ``admin_url`` names a database to connect to for creating and dropping the bench's own.
    ``prefix`` names the bench's databases: a benchmark with its own prefix keeps its own copy
    (older ones of the same size and prefix are dropped).
    """
    import psycopg  # noqa: PLC0415  (only the PostgreSQL benchmarks need it)

    name = f"{prefix}{cache_key(size, schema_revision())}"
    url = make_url(admin_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        existing = [
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (f"{prefix}orders_{size}_%",),
            )
        ]
        if name in existing:
            return url.set(database=name).render_as_string(hide_password=False), False
        for stale in existing:
            connection.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}_partial"')
    partial_url = url.set(database=f"{name}_partial").render_as_string(hide_password=False)
    database = Database(partial_url)
    try:
        seed(database, size)
    finally:
        database.dispose()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), True


def orders_for(options: Options) -> int:
    """Orders in a page benchmark's shop: ``--orders``, else 1,000,000 (100,000 quick)."""
    if options.orders is not None:
        return options.orders
    return 100_000 if options.quick else 1_000_000


def log_in(web: TestClient, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Log in to a benchmark shop through the login form."""
    token = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/login").text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = web.post(
        "/login", data={"csrf_token": token.group(1), "email": email, "password": password}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"cannot log in to the benchmark shop: {answer.status_code}")
