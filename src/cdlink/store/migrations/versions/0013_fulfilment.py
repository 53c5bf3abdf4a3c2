"""fulfilment: carrier mappings, parcels per order, deadline alert hours, notifications

Revision ID: 0013_fulfilment
Revises: 0012_customer_service
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0013_fulfilment"
down_revision: str | None = "0012_customer_service"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "carrier_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("carrier_label", sa.String(length=200), nullable=False),
        sa.Column("tracking_url_template", sa.String(length=500), nullable=True),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_carrier_mappings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_mappings")),
        sa.UniqueConstraint(
            "connection_id", "name", name=op.f("uq_carrier_mappings_connection_id_name")
        ),
    )
    op.create_table(
        "fulfilment_settings",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("several_parcels", sa.Boolean(), nullable=False),
        sa.Column("alert_hours", sa.String(length=40), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_fulfilment_settings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_fulfilment_settings")),
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("read_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_notifications_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("fulfilment_settings")
    op.drop_table("carrier_mappings")
