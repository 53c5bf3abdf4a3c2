"""order invoice states: what Cdiscount holds as each order's customer invoice, read back;
the newest open finance differences by index (the Finance page)

Revision ID: 0025_order_invoice_states
Revises: 0023_orders_updated_index
Create Date: 2026-12-06 09:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0025_order_invoice_states"
down_revision: str | None = "0023_orders_updated_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_invoice_states",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.Column("uploaded_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("checked_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_order_invoice_states_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_invoice_states_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_invoice_states")),
    )
    with op.batch_alter_table("order_invoice_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_order_invoice_states_checked", ["connection_id", "checked_at"], unique=False
        )
    with op.batch_alter_table("finance_differences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_finance_differences_newest",
            ["detected_at", "id"],
            unique=False,
            postgresql_where=sa.text("reviewed_at IS NULL"),
            sqlite_where=sa.text("reviewed_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("finance_differences", schema=None) as batch_op:
        batch_op.drop_index("ix_finance_differences_newest")
    with op.batch_alter_table("order_invoice_states", schema=None) as batch_op:
        batch_op.drop_index("ix_order_invoice_states_checked")
    op.drop_table("order_invoice_states")
