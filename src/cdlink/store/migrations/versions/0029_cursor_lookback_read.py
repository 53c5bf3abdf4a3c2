"""cursor look-back read: when a stream last read its whole look-back again

Revision ID: 0029_cursor_lookback_read
Revises: 0028_shipping_deadline_estimated
Create Date: 2026-12-07 05:20:00.000000

A stream whose runs re-read only a short overlap (the orders stream) reads its whole look-back
again at most every ``lookback_every`` (``cdlink.sync.engine.cursors``). Cursors written before
this migration have no such time: their next run reads the whole look-back, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cdlink.store.types

revision: str = "0029_cursor_lookback_read"
down_revision: str | None = "0028_shipping_deadline_estimated"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "stream_cursors",
        sa.Column("lookback_read_at", cdlink.store.types.UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("stream_cursors", "lookback_read_at")
