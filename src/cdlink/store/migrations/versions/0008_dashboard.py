"""dashboard: indexes on orders for the dashboard's figures and the orders list, and on the
outbox's open entries for its stock alerts

Revision ID: 0008_dashboard
Revises: 0007_orders_import
Create Date: 2026-11-24 09:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_dashboard"
down_revision: str | None = "0007_orders_import"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_orders_purchased": ["purchased_at", "id"],
    "ix_orders_status_purchased": ["status", "purchased_at", "id"],
    "ix_orders_status_acceptance": ["status", "acceptance_deadline"],
    "ix_orders_status_shipping": ["status", "shipping_deadline"],
}


OPEN_STATES = "state IN ('pending', 'claimed', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_open",
            ["stream", "state", "created_at"],
            unique=False,
            sqlite_where=sa.text(OPEN_STATES),
            postgresql_where=sa.text(OPEN_STATES),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_open")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
