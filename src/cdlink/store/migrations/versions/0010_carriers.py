"""carriers: the marketplace's carrier referential cached per connection (read by a stream)

Revision ID: 0010_carriers
Revises: 0009_stock_web
Create Date: 2026-12-06 00:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0010_carriers"
down_revision: str | None = "0009_stock_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "carriers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=True),
        sa.Column("fetched_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_carriers_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
        sa.UniqueConstraint("connection_id", "label", name=op.f("uq_carriers_connection_id_label")),
    )


def downgrade() -> None:
    op.drop_table("carriers")
