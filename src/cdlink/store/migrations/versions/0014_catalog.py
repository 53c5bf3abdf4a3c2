"""catalog: product sheets, the taxonomy cache, category mappings, product publishing

Revision ID: 0014_catalog
Revises: 0013_fulfilment
Create Date: 2026-12-06 03:33:48.093261
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0014_catalog"
down_revision: str | None = "0013_fulfilment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=700), nullable=False),
        sa.Column("is_brand_mandatory", sa.Boolean(), nullable=False),
        sa.Column("is_variant", sa.Boolean(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("fetched_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_categories_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_categories")),
        sa.UniqueConstraint(
            "connection_id", "reference", name=op.f("uq_catalog_categories_connection_id_reference")
        ),
    )
    op.create_table(
        "catalog_packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.String(length=80), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("created_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.Column("sent_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("finished_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_packages_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_packages")),
    )
    with op.batch_alter_table("catalog_packages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_catalog_packages_connection_state", ["connection_id", "state"], unique=False
        )

    op.create_table(
        "catalog_settings",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_catalog_settings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_catalog_settings")),
    )
    op.create_table(
        "category_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("seller_category", sa.String(length=200), nullable=False),
        sa.Column("category_reference", sa.String(length=12), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_category_mappings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_mappings")),
        sa.UniqueConstraint(
            "connection_id",
            "seller_category",
            name=op.f("uq_category_mappings_connection_id_seller_category"),
        ),
    )
    op.create_table(
        "product_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=50), nullable=False),
        sa.Column("package_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("received_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_product_reports_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_reports")),
    )
    with op.batch_alter_table("product_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_reports_connection_sku", ["connection_id", "sku"], unique=False
        )

    op.create_table(
        "product_sheets",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("marketing_description", sa.Text(), nullable=True),
        sa.Column("brand", sa.String(length=120), nullable=True),
        sa.Column("pictures", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("variant_group", sa.String(length=80), nullable=True),
        sa.Column("seller_category", sa.String(length=200), nullable=True),
        sa.Column("marketplace_category", sa.String(length=12), nullable=True),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_sheets_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_sheets")),
    )
    op.create_table(
        "product_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("sent_hash", sa.String(length=64), nullable=True),
        sa.Column("package", sa.Integer(), nullable=True),
        sa.Column("sent_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("manual_check_since", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("retry_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("live_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("offer_sent_at", cdlink.store.types.UtcDateTime(), nullable=True),
        sa.Column("updated_at", cdlink.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_product_publications_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["package"],
            ["catalog_packages.id"],
            name=op.f("fk_product_publications_package_catalog_packages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_publications_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_publications")),
        sa.UniqueConstraint(
            "connection_id",
            "product_id",
            name=op.f("uq_product_publications_connection_id_product_id"),
        ),
    )
    with op.batch_alter_table("product_publications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_publications_connection_status", ["connection_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product_publications", schema=None) as batch_op:
        batch_op.drop_index("ix_product_publications_connection_status")

    op.drop_table("product_publications")
    op.drop_table("product_sheets")
    with op.batch_alter_table("product_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_product_reports_connection_sku")

    op.drop_table("product_reports")
    op.drop_table("category_mappings")
    op.drop_table("catalog_settings")
    with op.batch_alter_table("catalog_packages", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_packages_connection_state")

    op.drop_table("catalog_packages")
    op.drop_table("catalog_categories")
