"""reservations: stock effects of orders, warehouse priority, stock-aware acceptance policy

The acceptance policy ``automatic`` (accept every order) becomes ``always``; the new
``in_stock`` accepts an order only when stock covers it, and ``auto_refuse`` refuses the others.

Revision ID: 0006_reservations
Revises: 0005_stock
Create Date: 2026-11-24 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_reservations"
down_revision: str | None = "0005_stock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_refuse", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE order_settings SET acceptance = 'always' WHERE acceptance = 'automatic'")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stock_issues", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stock_held", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("stock_shipped", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("warehouse_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("warehouse_connections", schema=None) as batch_op:
        batch_op.drop_column("priority")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("stock_shipped")
        batch_op.drop_column("stock_held")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("stock_issues")
    op.execute(
        "UPDATE order_settings SET acceptance = 'automatic' WHERE acceptance IN ('always', 'in_stock')"
    )
    with op.batch_alter_table("order_settings", schema=None) as batch_op:
        batch_op.drop_column("auto_refuse")
