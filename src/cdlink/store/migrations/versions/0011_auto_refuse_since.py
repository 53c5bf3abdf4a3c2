"""auto_refuse_since: automatic refusal applies to orders imported after it was switched on

Revision ID: 0011_auto_refuse_since
Revises: 0010_carriers
Create Date: 2026-12-06 03:00:00.000000

A connection that refuses automatically today starts counting from the upgrade: the orders
already waiting are not refused by the upgrade (the seller may confirm it from the order
settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0011_auto_refuse_since"
down_revision: str | None = "0010_carriers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_settings") as batch:
        batch.add_column(
            sa.Column("auto_refuse_since", cdlink.store.types.UtcDateTime(), nullable=True)
        )
    settings = sa.table(
        "order_settings",
        sa.column("acceptance", sa.String()),
        sa.column("auto_refuse", sa.Boolean()),
        sa.column("auto_refuse_since", cdlink.store.types.UtcDateTime()),
    )
    op.execute(
        settings.update()
        .where(settings.c.auto_refuse.is_(True), settings.c.acceptance == "in_stock")
        .values(auto_refuse_since=datetime.now(UTC))
    )


def downgrade() -> None:
    with op.batch_alter_table("order_settings") as batch:
        batch.drop_column("auto_refuse_since")
