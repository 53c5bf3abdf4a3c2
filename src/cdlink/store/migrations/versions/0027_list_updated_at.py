"""list updated_at: the last change in cdlink of refunds and gestures, returns, finance
differences, invoice uploads, prices, promotions and warehouses (the API's updated_since)

Each column is back-filled with the latest moment the row already records (finished, reviewed,
stopped, read back…), else its creation; a price row that records none gets the migration's
time. A client syncing from before the upgrade then reads these lists whole once, which is what
a first sync does anyway.

Revision ID: 0027_list_updated_at
Revises: 0026_offer_package_files
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0027_list_updated_at"
down_revision: str | None = "0026_offer_package_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Per table: the columns whose first non-null value back-fills ``updated_at`` (latest first).
BACKFILL = {
    "customer_service_actions": ("finished_at", "attempted_at", "requested_at"),
    "order_returns": ("imported_at",),
    "finance_differences": ("reviewed_at", "detected_at"),
    "order_invoice_uploads": ("finished_at", "attempted_at", "requested_at"),
    "offer_prices": ("read_at", "confirmed_at", "sent_at", "changed_at", "held_at"),
    "promotions": ("stopped_at", "created_at"),
    "warehouses": ("created_at",),
}
#: Indexes of the lists that grow (the API filters and sorts on them).
INDEXES = {
    "ix_customer_service_actions_updated": (
        "customer_service_actions",
        ["kind", "updated_at", "id"],
    ),
    "ix_order_returns_updated": ("order_returns", ["updated_at", "id"]),
    "ix_finance_differences_updated": ("finance_differences", ["updated_at", "id"]),
    "ix_order_invoice_uploads_updated": ("order_invoice_uploads", ["updated_at", "id"]),
    "ix_offer_prices_updated": ("offer_prices", ["connection_id", "updated_at"]),
}
#: A constant default lets SQLite add a NOT NULL column; every row is back-filled over it.
_PLACEHOLDER = "2000-01-01 00:00:00"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    now = datetime.now(UTC)
    for table, sources in BACKFILL.items():
        op.add_column(
            table,
            sa.Column(
                "updated_at",
                cdlink.store.types.UtcDateTime(),
                nullable=False,
                server_default=_PLACEHOLDER,
            ),
        )
        rows = sa.table(
            table,
            *(sa.column(name, cdlink.store.types.UtcDateTime()) for name in sources),
            sa.column("updated_at", cdlink.store.types.UtcDateTime()),
        )
        moments = [rows.c[name] for name in sources]
        op.execute(
            rows.update().values(
                updated_at=sa.func.coalesce(
                    *moments, sa.literal(now, cdlink.store.types.UtcDateTime())
                )
            )
        )
        if postgres:
            # The models always set it; PostgreSQL can drop the placeholder without a rebuild.
            op.alter_column(table, "updated_at", server_default=None)
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
    for table in BACKFILL:
        # A plain DROP COLUMN (SQLite 3.35+) rather than a batch rebuild of the table.
        op.drop_column(table, "updated_at")
