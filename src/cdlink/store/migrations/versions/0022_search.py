"""indexed text search: SQLite FTS5 trigram tables, PostgreSQL pg_trgm GIN indexes

Revision ID: 0022_search
Revises: 0021_webhooks
Create Date: 2026-12-06 09:40:00.000000

The orders, customers, products and discussions lists match a text anywhere in a few columns (``lower(column)
LIKE '%text%'``), which no B-tree index can serve. This revision gives those columns indexes that
can (``cdlink.store.search`` uses them):

- SQLite: one FTS5 table per list (``orders_search``…) with the ``trigram`` tokenizer, external
  content (it stores no copy of the text, only the index), kept by triggers on the table in the
  transaction that writes the row; an update re-indexes a row only when one of its searched
  columns changed (never on the status changes the orders stream makes all day).
- PostgreSQL: one GIN index with ``gin_trgm_ops`` on ``lower(column)`` per searched column, the
  very expression the search compares, so the planner uses it as it sees fit. They need the
  ``pg_trgm`` extension (shipped with PostgreSQL; trusted, so a database owner may create it).
  When the extension cannot be created the upgrade goes on without these indexes (search stays
  a scan, correct but slow) and says what to run: the ``CREATE INDEX`` statements of
  ``docs/throughput.md``, idempotent, add them later by hand.

Existing rows are indexed at the end of the upgrade. The downgrade drops the tables, triggers
and indexes (and leaves the extension, which other databases' objects may use).

The triggers live on ``orders``, ``customers``, ``products`` and ``discussions``: a later SQLite batch migration
that rebuilds one of these tables drops them and must create them again, like the dashboard
figure triggers of 0018.
"""

# ruff: noqa: S608  (the DDL is built from constants of this file, never from input)

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0022_search"
down_revision: str | None = "0021_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, searched columns): the FTS table is ``<table>_search``, the PostgreSQL indexes
# ``ix_<table>_search_<column>``. Keep in step with ``cdlink.store.search``.
INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("orders", ("marketplace_order_id", "reference", "customer_name", "customer_email")),
    ("customers", ("name", "email", "key")),
    ("products", ("sku", "title", "ean")),
    (
        "discussions",
        ("marketplace_discussion_id", "marketplace_order_id", "subject", "customer_id"),
    ),
)
EXTENSION_HINT = (
    "pg_trgm could not be created in this database ({error}); text search stays a full scan. "
    "Ask an administrator to run CREATE EXTENSION pg_trgm; in it (or grant CREATE on the "
    "database), then create the indexes listed in docs/throughput.md."
)

logger = logging.getLogger("cdlink.store.migrations")


def _sqlite_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    search = f"{table}_search"
    listed = ", ".join(columns)
    new = ", ".join(f"NEW.{column}" for column in columns)
    old = ", ".join(f"OLD.{column}" for column in columns)
    insert = f"INSERT INTO {search} (rowid, {listed}) VALUES (NEW.id, {new})"
    delete = f"INSERT INTO {search} ({search}, rowid, {listed}) VALUES ('delete', OLD.id, {old})"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in (*columns, "id"))
    return [
        f"CREATE VIRTUAL TABLE {search} USING fts5({listed}, content='{table}', "
        "content_rowid='id', columnsize=0, tokenize='trigram')",
        f"CREATE TRIGGER tr_{table}_search_insert AFTER INSERT ON {table} BEGIN {insert}; END",
        f"CREATE TRIGGER tr_{table}_search_delete AFTER DELETE ON {table} BEGIN {delete}; END",
        f"CREATE TRIGGER tr_{table}_search_update AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {delete}; {insert}; END",
        f"INSERT INTO {search} ({search}) VALUES ('rebuild')",
    ]


def postgres_index_statements() -> list[str]:
    """The GIN indexes, idempotent (also what docs/throughput.md tells to run by hand)."""
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{table}_search_{column} ON {table} "
        f"USING gin (lower({column}) gin_trgm_ops)"
        for table, columns in INDEXES
        for column in columns
    ]


def _postgres_extension() -> bool:
    """Whether pg_trgm is there, creating it when allowed (in a savepoint, so a refusal leaves
    the migration's transaction usable)."""
    bind = op.get_bind()
    if bind.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    savepoint = bind.begin_nested()
    try:
        bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception as error:  # any refusal: permission, not installed
        savepoint.rollback()
        logger.warning(EXTENSION_HINT.format(error=str(error).splitlines()[0]))
        return False
    savepoint.commit()
    return True


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, columns in INDEXES:
            for statement in _sqlite_statements(table, columns):
                op.execute(statement)
        return
    if _postgres_extension():
        for statement in postgres_index_statements():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _ in INDEXES:
            for action in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_search_{action}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
        return
    for table, columns in INDEXES:
        for column in columns:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_{column}")
