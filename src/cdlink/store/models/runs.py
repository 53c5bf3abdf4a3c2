"""Sync runs: one execution of one stream of one connection, with its outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_connection_stream", "connection_id", "stream", "started_at"),
        # The dashboard's sync health: the share of runs of a period that succeeded.
        Index("ix_sync_runs_started", "started_at", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    # "schedule", "manual" or "event".
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # "running", "succeeded", "failed" or "dead".
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_class: Mapped[str | None] = mapped_column(String(120), default=None)
    # "configuration", "transient" or "system": who can fix it.
    failure_type: Mapped[str | None] = mapped_column(String(20), default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    # When a failed run will be tried again (None: it will not, or it succeeded).
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
