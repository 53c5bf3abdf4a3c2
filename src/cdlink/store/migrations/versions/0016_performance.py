"""performance: indicators history, SMTP, notification e-mails and details, delivery modes

Revision ID: 0016_performance
Revises: 0015_pricing
Create Date: 2026-12-06 06:14:57.445516
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0016_performance"
down_revision: str | None = "0015_pricing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("password_ciphertext", sa.Text(), nullable=True),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_settings")),
    )
    op.create_table(
        "performance_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value_d30", sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column("value_d60", sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=7, scale=3), nullable=True),
        sa.Column("threshold_type", sa.String(length=20), nullable=True),
        sa.Column("computed_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("recorded_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_performance_figures_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_figures")),
        sa.UniqueConstraint(
            "connection_id",
            "source",
            "name",
            "day",
            name=op.f("uq_performance_figures_connection_id_source_name_day"),
        ),
    )
    op.create_table(
        "notification_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("sent_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_notification_emails_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_emails_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_emails")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_notification_emails_notification_id")),
    )
    with op.batch_alter_table("notification_emails", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_emails_connection_state", ["connection_id", "state"], unique=False
        )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))

    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_mode", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("delivery_mode")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("details")

    with op.batch_alter_table("notification_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_emails_connection_state")

    op.drop_table("notification_emails")
    op.drop_table("performance_figures")
    op.drop_table("email_settings")
