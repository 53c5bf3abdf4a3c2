"""dashboard figures: orders per hour and customers, kept by triggers on orders; runs by start

Revision ID: 0018_dashboard_figures
Revises: 0017_finance
Create Date: 2026-12-06 06:30:00.000000

``order_hours`` and ``customers`` (``cdlink.store.models.figures``) are sums of ``orders``, kept
by triggers in the transaction that writes the order, on SQLite and PostgreSQL alike, so no
writer (the orders stream, a bulk insert, a future importer) can forget them. An update is applied
as "add the new version, then take the old one away", so a customer whose only order changes
status keeps its row (and its id). Taking an order away from a customer recomputes the first and
last order dates only when they may have moved (a deletion, a new purchase date, a new customer
key): never on the status changes the orders stream makes all day. The existing orders are
summed once at the end of the upgrade.
"""

# ruff: noqa: S608  (the trigger SQL is built from constants of this file, never from input)

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0018_dashboard_figures"
down_revision: str | None = "0017_finance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_SOLD = "('Refused', 'Cancelled')"
FIGURE_COLUMNS = (
    "status, total_amount, purchased_at, currency, connection_id, "
    "customer_reference, customer_email, customer_name"
)


def _key(row: str) -> str:
    return f"coalesce({row}.customer_reference, {row}.customer_email, {row}.customer_name)"


def _cents(row: str) -> str:
    return f"CAST(round(coalesce({row}.total_amount, 0) * 100) AS BIGINT)"


def _sold(row: str) -> str:
    return f"(CASE WHEN {row}.status IN {NOT_SOLD} THEN 0 ELSE {_cents(row)} END)"


def _bucket_add(table: str, column: str, moment: str, row: str) -> str:
    return (
        f"INSERT INTO {table} ({column}, connection_id, status, currency, orders, amount_cents) "
        f"SELECT {moment}, {row}.connection_id, {row}.status, {row}.currency, 1, {_cents(row)} "
        f"WHERE {row}.purchased_at IS NOT NULL "
        f"ON CONFLICT ({column}, connection_id, status, currency) DO UPDATE SET "
        f"orders = {table}.orders + 1, "
        f"amount_cents = {table}.amount_cents + excluded.amount_cents"
    )


def _bucket_remove(table: str, column: str, moment: str) -> list[str]:
    bucket = (
        f"{column} = {moment} AND connection_id = OLD.connection_id AND status = OLD.status "
        "AND currency = OLD.currency"
    )
    return [
        f"UPDATE {table} SET orders = orders - 1, amount_cents = amount_cents - {_cents('OLD')} "
        f"WHERE OLD.purchased_at IS NOT NULL AND {bucket}",
        f"DELETE FROM {table} WHERE {bucket} AND orders = 0",
    ]


def _day_of(hour: str) -> str:
    """The UTC day of an hour expression of this file (SQLite text or PostgreSQL)."""
    if hour.startswith("substr("):
        return hour.replace(", 1, 13) || ':00:00.000000'", ", 1, 10) || ' 00:00:00.000000'")
    return hour.replace("date_trunc('hour'", "date_trunc('day'")


def _add(row: str, hour: str) -> list[str]:
    """Statements adding order ``row`` (NEW or OLD) to the figures."""
    return [
        _bucket_add("order_hours", "hour", hour, row),
        _bucket_add("order_days", "day", _day_of(hour), row),
        f"INSERT INTO customers (connection_id, key, name, email, currency, orders, "
        "revenue_cents, first_order_at, last_order_at) "
        f"SELECT {row}.connection_id, {_key(row)}, {row}.customer_name, {row}.customer_email, "
        f"{row}.currency, 1, {_sold(row)}, {row}.purchased_at, {row}.purchased_at "
        f"WHERE {_key(row)} IS NOT NULL "
        "ON CONFLICT (connection_id, key) DO UPDATE SET "
        "orders = customers.orders + 1, "
        "revenue_cents = customers.revenue_cents + excluded.revenue_cents, "
        "name = coalesce(excluded.name, customers.name), "
        "email = coalesce(excluded.email, customers.email), "
        "currency = excluded.currency, "
        "first_order_at = CASE WHEN customers.first_order_at IS NULL "
        "OR excluded.first_order_at < customers.first_order_at "
        "THEN excluded.first_order_at ELSE customers.first_order_at END, "
        "last_order_at = CASE WHEN customers.last_order_at IS NULL "
        "OR excluded.last_order_at > customers.last_order_at "
        "THEN excluded.last_order_at ELSE customers.last_order_at END",
    ]


def _remove(hour: str, moved: str) -> list[str]:
    """Statements taking order OLD away from the figures; ``moved`` says when the customer's
    first and last order dates must be recomputed from ``orders``."""
    key = _key("OLD")
    customer = f"connection_id = OLD.connection_id AND key = {key}"
    mine = f"orders.connection_id = OLD.connection_id AND {_key('orders')} = {key}"
    return [
        *_bucket_remove("order_hours", "hour", hour),
        *_bucket_remove("order_days", "day", _day_of(hour)),
        f"UPDATE customers SET orders = orders - 1, revenue_cents = revenue_cents - {_sold('OLD')} "
        f"WHERE {customer}",
        f"DELETE FROM customers WHERE {customer} AND orders = 0",
        "UPDATE customers SET "
        f"first_order_at = (SELECT min(orders.purchased_at) FROM orders WHERE {mine}), "
        f"last_order_at = (SELECT max(orders.purchased_at) FROM orders WHERE {mine}) "
        f"WHERE {customer} AND ({moved}) "
        "AND (first_order_at = OLD.purchased_at OR last_order_at = OLD.purchased_at)",
    ]


def _moved(distinct: str) -> str:
    return (
        f"OLD.connection_id {distinct} NEW.connection_id "
        f"OR OLD.purchased_at {distinct} NEW.purchased_at "
        f"OR {_key('OLD')} {distinct} {_key('NEW')}"
    )


def _sqlite_hour(row: str) -> str:
    # UtcDateTime keeps naive UTC text on SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return f"substr({row}.purchased_at, 1, 13) || ':00:00.000000'"


def _postgres_hour(row: str) -> str:
    return f"date_trunc('hour', {row}.purchased_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(
        f"OLD.{column} IS NOT NEW.{column}" for column in FIGURE_COLUMNS.split(", ")
    )
    insert = _add("NEW", _sqlite_hour("NEW"))
    update = _add("NEW", _sqlite_hour("NEW")) + _remove(_sqlite_hour("OLD"), _moved("IS NOT"))
    delete = _remove(_sqlite_hour("OLD"), "1 = 1")

    def body(statements: list[str]) -> str:
        return "BEGIN " + "; ".join(statements) + "; END"

    return [
        f"CREATE TRIGGER tr_orders_figures_insert AFTER INSERT ON orders {body(insert)}",
        f"CREATE TRIGGER tr_orders_figures_update AFTER UPDATE ON orders "
        f"WHEN {changed} {body(update)}",
        f"CREATE TRIGGER tr_orders_figures_delete AFTER DELETE ON orders {body(delete)}",
    ]


def _postgres_triggers() -> list[str]:
    add = "; ".join(_add("NEW", _postgres_hour("NEW")))
    remove = "; ".join(_remove(_postgres_hour("OLD"), "moved"))
    changed = " OR ".join(
        f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in FIGURE_COLUMNS.split(", ")
    )
    return [
        "CREATE FUNCTION cdlink_order_figures() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE moved boolean := true; "
        "BEGIN "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF; "
        f"IF TG_OP = 'UPDATE' THEN moved := {_moved('IS DISTINCT FROM')}; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {remove}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER tr_orders_figures_insert AFTER INSERT ON orders "
        "FOR EACH ROW EXECUTE FUNCTION cdlink_order_figures()",
        "CREATE TRIGGER tr_orders_figures_update AFTER UPDATE ON orders "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION cdlink_order_figures()",
        "CREATE TRIGGER tr_orders_figures_delete AFTER DELETE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION cdlink_order_figures()",
    ]


RUN_BUCKET = "hour = {hour} AND connection_id = {row}.connection_id AND outcome = {row}.outcome"


def _run_add(hour: str) -> str:
    return (
        "INSERT INTO sync_run_hours (hour, connection_id, outcome, runs) "
        f"SELECT {hour}, NEW.connection_id, NEW.outcome, 1 WHERE NEW.started_at IS NOT NULL "
        "ON CONFLICT (hour, connection_id, outcome) DO UPDATE SET "
        "runs = sync_run_hours.runs + 1"
    )


def _run_remove(hour: str) -> list[str]:
    bucket = RUN_BUCKET.format(hour=hour, row="OLD")
    return [
        f"UPDATE sync_run_hours SET runs = runs - 1 WHERE {bucket}",
        f"DELETE FROM sync_run_hours WHERE {bucket} AND runs = 0",
    ]


RUN_COLUMNS = ("outcome", "started_at", "connection_id")


def _run_triggers(sqlite: bool) -> list[str]:
    """Sync runs per (UTC hour started, connection, outcome): the dashboard's sync health."""
    new_hour = (_sqlite_hour if sqlite else _postgres_hour)("NEW").replace(
        "purchased_at", "started_at"
    )
    old_hour = (_sqlite_hour if sqlite else _postgres_hour)("OLD").replace(
        "purchased_at", "started_at"
    )
    if sqlite:
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in RUN_COLUMNS)
        return [
            f"CREATE TRIGGER tr_sync_runs_figures_insert AFTER INSERT ON sync_runs "
            f"BEGIN {_run_add(new_hour)}; END",
            f"CREATE TRIGGER tr_sync_runs_figures_update AFTER UPDATE ON sync_runs "
            f"WHEN {changed} BEGIN {_run_add(new_hour)}; "
            + "; ".join(_run_remove(old_hour))
            + "; END",
            "CREATE TRIGGER tr_sync_runs_figures_delete AFTER DELETE ON sync_runs BEGIN "
            + "; ".join(_run_remove(old_hour))
            + "; END",
        ]
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in RUN_COLUMNS)
    return [
        "CREATE FUNCTION cdlink_sync_run_figures() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF TG_OP IN ('INSERT', 'UPDATE') THEN {_run_add(new_hour)}; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {'; '.join(_run_remove(old_hour))}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER tr_sync_runs_figures_insert AFTER INSERT ON sync_runs "
        "FOR EACH ROW EXECUTE FUNCTION cdlink_sync_run_figures()",
        "CREATE TRIGGER tr_sync_runs_figures_update AFTER UPDATE ON sync_runs "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION cdlink_sync_run_figures()",
        "CREATE TRIGGER tr_sync_runs_figures_delete AFTER DELETE ON sync_runs "
        "FOR EACH ROW EXECUTE FUNCTION cdlink_sync_run_figures()",
    ]


def _backfill(hour: str) -> list[str]:
    """Sums the orders already stored (the triggers only see what comes after them)."""
    key = _key("o")
    day = _day_of(hour)
    return [
        "INSERT INTO order_hours (hour, connection_id, status, currency, orders, amount_cents) "
        f"SELECT {hour}, o.connection_id, o.status, o.currency, count(*), sum({_cents('o')}) "
        "FROM orders AS o WHERE o.purchased_at IS NOT NULL "
        f"GROUP BY {hour}, o.connection_id, o.status, o.currency",
        "INSERT INTO order_days (day, connection_id, status, currency, orders, amount_cents) "
        f"SELECT {day}, o.connection_id, o.status, o.currency, count(*), sum({_cents('o')}) "
        "FROM orders AS o WHERE o.purchased_at IS NOT NULL "
        f"GROUP BY {day}, o.connection_id, o.status, o.currency",
        "INSERT INTO customers (connection_id, key, name, email, currency, orders, "
        "revenue_cents, first_order_at, last_order_at) "
        f"SELECT o.connection_id, {key}, max(o.customer_name), max(o.customer_email), "
        f"max(o.currency), count(*), sum({_sold('o')}), min(o.purchased_at), "
        f"max(o.purchased_at) FROM orders AS o WHERE {key} IS NOT NULL "
        f"GROUP BY o.connection_id, {key}",
        "INSERT INTO sync_run_hours (hour, connection_id, outcome, runs) "
        f"SELECT {hour.replace('o.purchased_at', 'r.started_at')}, r.connection_id, r.outcome, "
        "count(*) FROM sync_runs AS r "
        f"GROUP BY {hour.replace('o.purchased_at', 'r.started_at')}, r.connection_id, r.outcome",
    ]


def upgrade() -> None:
    op.create_table(
        "order_hours",
        sa.Column("hour", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_order_hours_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "hour", "connection_id", "status", "currency", name=op.f("pk_order_hours")
        ),
    )
    op.create_table(
        "order_days",
        sa.Column("day", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_order_days_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "day", "connection_id", "status", "currency", name=op.f("pk_order_days")
        ),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_order_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("last_order_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_customers_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("connection_id", "key", name=op.f("uq_customers_connection_id_key")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_last_order", ["last_order_at", "id"], unique=False)
        batch_op.create_index("ix_customers_first_order", ["first_order_at"], unique=False)
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index("ix_sync_runs_started", ["started_at", "outcome"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_customer", ["connection_id", "customer_reference"], unique=False
        )
    op.create_table(
        "sync_run_hours",
        sa.Column("hour", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_sync_run_hours_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hour", "connection_id", "outcome", name=op.f("pk_sync_run_hours")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    triggers = _sqlite_triggers() if sqlite else _postgres_triggers()
    for statement in triggers + _run_triggers(sqlite):
        op.execute(statement)
    for statement in _backfill(_sqlite_hour("o") if sqlite else _postgres_hour("o")):
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in ("orders", "sync_runs"):
        for name in ("insert", "update", "delete"):
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_figures_{name}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS cdlink_order_figures()")
        op.execute("DROP FUNCTION IF EXISTS cdlink_sync_run_figures()")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_customer")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_started")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_first_order")
        batch_op.drop_index("ix_customers_last_order")
    op.drop_table("sync_run_hours")
    op.drop_table("customers")
    op.drop_table("order_days")
    op.drop_table("order_hours")
