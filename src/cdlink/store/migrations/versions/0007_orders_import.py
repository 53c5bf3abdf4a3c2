"""orders: history imports, import filters, payment labels, cancellation reasons, sync events

Revision ID: 0007_orders_import
Revises: 0006_reservations
Create Date: 2026-11-24 09:00:50.235121
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0007_orders_import"
down_revision: str | None = "0006_reservations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cancellation_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("order_status", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("fetched_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_cancellation_reasons_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellation_reasons")),
        sa.UniqueConstraint(
            "connection_id",
            "order_status",
            "code",
            name=op.f("uq_cancellation_reasons_connection_id_order_status_code"),
        ),
    )
    op.create_table(
        "initial_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("created_from", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("created_to", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("customers", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("reached", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(length=254), nullable=True),
        sa.Column("requested_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("started_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("finished_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_initial_imports_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initial_imports")),
    )
    with op.batch_alter_table("initial_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_initial_imports_connection_state", ["connection_id", "state"], unique=False
        )

    op.create_table(
        "order_import_filters",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("statuses", sa.JSON(), nullable=True),
        sa.Column("purchased_from", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_order_import_filters_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_order_import_filters")),
    )
    op.create_table(
        "payment_method_labels",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_payment_method_labels_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "method", name=op.f("pk_payment_method_labels")),
    )
    op.create_table(
        "order_sync_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("changed_fields", sa.JSON(), nullable=False),
        sa.Column("marketplace_updated_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_sync_events_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_sync_events")),
    )
    with op.batch_alter_table("order_sync_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_sync_events_order_id"), ["order_id"], unique=False
        )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", cdlink.store.types.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("dismissed_at")
    with op.batch_alter_table("order_sync_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_sync_events_order_id"))

    op.drop_table("order_sync_events")
    op.drop_table("payment_method_labels")
    op.drop_table("order_import_filters")
    with op.batch_alter_table("initial_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_initial_imports_connection_state")

    op.drop_table("initial_imports")
    op.drop_table("cancellation_reasons")
