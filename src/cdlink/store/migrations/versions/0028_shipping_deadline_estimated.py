"""shipping deadline estimated: marks an order's shipping deadline as cdlink's estimate

Revision ID: 0028_shipping_deadline_estimated
Revises: 0027_list_updated_at
Create Date: 2026-12-06 15:50:00.000000

Orders imported before this migration keep the deadline they had (the marketplace's, or none);
an order without one gains cdlink's estimate when a new version of it is imported.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_shipping_deadline_estimated"
down_revision: str | None = "0027_list_updated_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column(
            "shipping_deadline_estimated", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of ``orders`` would drop its triggers.
    op.drop_column("orders", "shipping_deadline_estimated")
