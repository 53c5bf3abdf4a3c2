"""catalog settings honoured: Cdiscount's copy of each sheet, offers confirmed after sending

Revision ID: 0020_catalog_settings
Revises: 0018_dashboard_figures
Create Date: 2026-12-06 06:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0020_catalog_settings"
down_revision: str | None = "0018_dashboard_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("product_publications", sa.Column("marketplace_fields", sa.JSON(), nullable=True))
    op.add_column(
        "product_publications",
        sa.Column("marketplace_read_at", cdlink.store.types.UtcDateTime(), nullable=True),
    )
    op.add_column(
        "product_publications",
        sa.Column("offer_confirmed_at", cdlink.store.types.UtcDateTime(), nullable=True),
    )
    # Offers asked for before this revision were sent (the old code cleared failures).
    op.execute(
        "UPDATE product_publications SET offer_confirmed_at = offer_sent_at"
        " WHERE offer_sent_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("product_publications") as batch:
        batch.drop_column("offer_confirmed_at")
        batch.drop_column("marketplace_read_at")
        batch.drop_column("marketplace_fields")
