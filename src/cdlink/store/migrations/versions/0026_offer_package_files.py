"""offer package files: the zips of XML offer packages cdlink serves to the marketplace

Revision ID: 0026_offer_package_files
Revises: 0025_order_invoice_states
Create Date: 2026-12-06 09:25:29.257729
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0026_offer_package_files"
down_revision: str | None = "0025_order_invoice_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_package_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_offer_package_files_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_package_files")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_offer_package_files_token_hash")),
    )
    with op.batch_alter_table("offer_package_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_package_files_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offer_package_files_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("offer_package_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_package_files_expires_at"))
        batch_op.drop_index(batch_op.f("ix_offer_package_files_connection_id"))

    op.drop_table("offer_package_files")
