"""The sync engine's tables: cursors, bindings, the outbox, leases, schedules, the quarantine.

The database is the source of truth for the sync engine: a queue message only says "run stream S
of connection C"; everything a run needs to resume (how far it has read, what is already bound,
what is left to push, who is running it, when it runs next) lives in these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cdlink.store.base import Base
from cdlink.store.types import UtcDateTime


class StreamCursor(Base):
    """How far one stream of one connection has read: a list of finished, merged windows."""

    __tablename__ = "stream_cursors"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "stream"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    # [[start ISO, end ISO], ...], merged and sorted; see cdlink.sync.engine.windows.
    windows: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: When a run last read the whole look-back again (streams with a short ``overlap`` only).
    lookback_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Binding(Base):
    """A local record bound to a marketplace object, exactly once per connection and kind."""

    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint("connection_id", "kind", "external_id"),
        # From a local record to its marketplace objects (the Stock and Products pages).
        Index("ix_bindings_local", "connection_id", "kind", "local_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # "order", "offer", "product"...: what kind of marketplace object the external id names.
    kind: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(120))
    local_id: Mapped[str] = mapped_column(String(120))
    # Hash of the last payload the marketplace confirmed, so an exporter can skip a no-op.
    payload_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime())
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


#: The outbox states of entries still to send or failed: the condition of ``ix_outbox_open``.
OPEN_STATES_SQL = "state IN ('pending', 'claimed', 'failed')"


class OutboxEntry(Base):
    """A pending write to the marketplace, inserted in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "connection_id", "stream", "state", "available_at"),
        # The entries not sent yet or failed, whatever pile of done ones the table holds (the
        # dashboard's stock alerts). Partial: its WHERE is repeated word for word by the query.
        Index(
            "ix_outbox_open",
            "stream",
            "state",
            "created_at",
            sqlite_where=text(OPEN_STATES_SQL),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # The stream that drains this entry, e.g. "stock".
    stream: Mapped[str] = mapped_column(String(40))
    # What entries coalesce on, e.g. the SKU: only the newest entry per key is sent.
    key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # "pending", "claimed", "done", "superseded" or "failed".
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    available_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class StreamLease(Base):
    """Who runs one stream of one connection right now, until when (stale leases expire)."""

    __tablename__ = "stream_leases"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "stream"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    # "host:pid:random": unique per run, so a commit can check it still holds the lease.
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StreamSchedule(Base):
    """When one stream of one connection runs, and how its recent runs went."""

    __tablename__ = "stream_schedules"
    __table_args__ = (PrimaryKeyConstraint("connection_id", "stream"),)

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    # Seconds between runs; None means "only when an event or a person asks".
    interval_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    # "default" (follows the stream's default, kept up to date by the scheduler) or "custom".
    interval_source: Mapped[str] = mapped_column(String(10), default="default")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # "active", or "dead" after too many failures in a row (a person retries it).
    state: Mapped[str] = mapped_column(String(20), default="active")
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Set by "sync now" or an event (a new outbox entry); cleared when a run starts.
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    requested_trigger: Mapped[str | None] = mapped_column(String(20), default=None)
    # The identity key of the queue: set when a message is sent, cleared when a run starts.
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    last_outcome: Mapped[str | None] = mapped_column(String(20), default=None)


class QuarantinedRecord(Base):
    """A marketplace record that could not be imported, kept with its raw payload and reason."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("connection_id", "stream", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(40))
    # The marketplace id, or "raw:<hash>" when the record is too broken to name one.
    external_id: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[Any] = mapped_column(JSON, default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Each run that reads the record again (the look-back) counts here, not as a new entry.
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    # Set when a later version of the record was imported, or a person dismissed it.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Set when a person dismissed it: reading the same broken record again does not reopen it.
    dismissed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
