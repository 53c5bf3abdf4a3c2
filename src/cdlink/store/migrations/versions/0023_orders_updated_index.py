"""orders by their last change in cdlink: the API's sort=updated_at and updated_since

Revision ID: 0023_orders_updated_index
Revises: 0022_search
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023_orders_updated_index"
down_revision: str | None = "0022_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_updated", "orders", ["updated_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_updated", table_name="orders")
