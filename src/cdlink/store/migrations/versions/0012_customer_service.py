"""customer_service: discussions and their messages, after-sales actions, fulfilment returns

Revision ID: 0012_customer_service
Revises: 0011_auto_refuse_since
Create Date: 2026-12-06 03:33:35.673774
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0012_customer_service"
down_revision: str | None = "0011_auto_refuse_since"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_discussion_id", sa.String(length=64), nullable=False),
        sa.Column("marketplace_order_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("graduation", sa.String(length=40), nullable=True),
        sa.Column("typology_code", sa.String(length=80), nullable=True),
        sa.Column("sub_typology_code", sa.String(length=80), nullable=True),
        sa.Column("process_status", sa.String(length=40), nullable=True),
        sa.Column("customer_id", sa.String(length=120), nullable=True),
        sa.Column("eligible_receivers", sa.JSON(), nullable=False),
        sa.Column("opened_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("marketplace_updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("last_customer_message_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("last_seller_message_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("read_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("assigned_to", sa.String(length=254), nullable=True),
        sa.Column("imported_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_discussions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
        sa.UniqueConstraint(
            "connection_id",
            "marketplace_discussion_id",
            name=op.f("uq_discussions_connection_id_marketplace_discussion_id"),
        ),
    )
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_discussions_open_updated", ["is_open", "marketplace_updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_discussions_order", ["connection_id", "marketplace_order_id"], unique=False
        )

    op.create_table(
        "order_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_return_id", sa.String(length=64), nullable=False),
        sa.Column("marketplace_order_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("marketplace_updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("imported_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_order_returns_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_returns")),
        sa.UniqueConstraint(
            "connection_id",
            "marketplace_return_id",
            name=op.f("uq_order_returns_connection_id_marketplace_return_id"),
        ),
    )
    op.create_table(
        "customer_service_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("amount", cdlink.store.types.Amount(14, 2), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("marketplace_id", sa.String(length=64), nullable=True),
        sa.Column("attempted_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(length=254), nullable=True),
        sa.Column("requested_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_customer_service_actions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_customer_service_actions_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_customer_service_actions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_service_actions")),
    )
    with op.batch_alter_table("customer_service_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_service_actions_discussion", ["discussion_id"], unique=False
        )
        batch_op.create_index("ix_customer_service_actions_order", ["order_id"], unique=False)

    op.create_table(
        "discussion_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("marketplace_message_id", sa.String(length=64), nullable=False),
        sa.Column("sender_type", sa.String(length=40), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("sent_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("imported_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_messages_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_messages")),
        sa.UniqueConstraint(
            "discussion_id",
            "marketplace_message_id",
            name=op.f("uq_discussion_messages_discussion_id_marketplace_message_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("discussion_messages")
    with op.batch_alter_table("customer_service_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_service_actions_order")
        batch_op.drop_index("ix_customer_service_actions_discussion")

    op.drop_table("customer_service_actions")
    op.drop_table("order_returns")
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.drop_index("ix_discussions_order")
        batch_op.drop_index("ix_discussions_open_updated")

    op.drop_table("discussions")
