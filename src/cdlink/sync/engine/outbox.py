"""The outbox: pending writes to the marketplace, claimed safely by one worker at a time.

An entry is inserted in the same transaction as the change that causes it (a stock movement, an
order acceptance), so a write is never lost between the database and the marketplace. Inserting
one also asks for a run of the stream that drains it (an event trigger).

Claiming is safe across processes: on PostgreSQL the pending rows are selected ``FOR UPDATE SKIP
LOCKED``, so two claimers take disjoint entries without waiting on each other; on SQLite the write
transaction is ``BEGIN IMMEDIATE`` (``cdlink.store.engine``), so claimers run one after the other.
A claim expires: entries claimed by a worker that died become claimable again. A run holding the
stream's lease need not wait for that: only one run of a stream holds its lease, so entries still
claimed by another holder belong to a run that died or failed, and ``recover`` takes them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from cdlink.store.models import OutboxEntry
from cdlink.sync.engine.schedules import request_run

PENDING, CLAIMED, DONE, SUPERSEDED, FAILED = "pending", "claimed", "done", "superseded", "failed"


def add(
    session: Session,
    *,
    connection_id: int,
    stream: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
) -> OutboxEntry:
    """Queue a marketplace write and wake the stream that drains it."""
    entry = OutboxEntry(
        connection_id=connection_id,
        stream=stream,
        key=key,
        payload=payload,
        state=PENDING,
        created_at=now,
        available_at=now,
        attempts=0,
    )
    session.add(entry)
    schedule = request_run(session, connection_id, stream, now=now, trigger="event")
    # Held for the session's life: the identity map keeps only weak references, so without this
    # every entry of a burst would read the schedule row again.
    session.info.setdefault("cdlink.requested_schedules", {})[(connection_id, stream)] = schedule
    return entry


def claim(
    session: Session,
    *,
    connection_id: int,
    stream: str,
    holder: str,
    now: datetime,
    hold_for: timedelta,
    limit: int = 100,
) -> list[OutboxEntry]:
    """Claim up to ``limit`` entries that are due, oldest first, for ``hold_for``."""
    query = (
        select(OutboxEntry)
        .where(
            OutboxEntry.connection_id == connection_id,
            OutboxEntry.stream == stream,
            or_(
                (OutboxEntry.state == PENDING) & (OutboxEntry.available_at <= now),
                (OutboxEntry.state == CLAIMED) & (OutboxEntry.claimed_until < now),
            ),
        )
        .order_by(OutboxEntry.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    entries = list(session.scalars(query))
    for entry in entries:
        entry.state = CLAIMED
        entry.claimed_by = holder
        entry.claimed_until = now + hold_for
        entry.attempts += 1
    return entries


def recover(
    session: Session, *, connection_id: int, stream: str, holder: str, now: datetime
) -> int:
    """Give back to the queue the entries claimed by any holder but ``holder``; returns how many.

    Call it only while holding the stream's lease (the exporter does, at the start of a run): the
    other holder's run is then over, killed or failed, and its claims would otherwise block the
    entries until they expire.
    """
    query = (
        select(OutboxEntry)
        .where(
            OutboxEntry.connection_id == connection_id,
            OutboxEntry.stream == stream,
            OutboxEntry.state == CLAIMED,
            OutboxEntry.claimed_by != holder,
        )
        .with_for_update(skip_locked=True)
    )
    entries = list(session.scalars(query))
    for entry in entries:
        release(entry, error=f"the run of {entry.claimed_by} did not finish", retry_at=now)
    return len(entries)


def latest_ids(
    session: Session, *, connection_id: int, stream: str, keys: Iterable[str]
) -> dict[str, int]:
    """The newest entry of each key, whatever its state (superseded ones aside).

    An entry older than its key's newest must never be sent: the newest one is either sent
    already (an older value would overwrite it) or will be.
    """
    query = (
        select(OutboxEntry.key, func.max(OutboxEntry.id))
        .where(
            OutboxEntry.connection_id == connection_id,
            OutboxEntry.stream == stream,
            OutboxEntry.key.in_(list(set(keys))),
            OutboxEntry.state != SUPERSEDED,
        )
        .group_by(OutboxEntry.key)
    )
    return {key: int(newest) for key, newest in session.execute(query)}


def finish(entry: OutboxEntry, state: str, now: datetime) -> None:
    """Mark ``entry`` done, superseded or failed for good."""
    entry.state = state
    entry.finished_at = now
    entry.claimed_until = None


def release(entry: OutboxEntry, *, error: str, retry_at: datetime) -> None:
    """Give ``entry`` back to the queue after a failed attempt, due again at ``retry_at``."""
    entry.state = PENDING
    entry.last_error = error
    entry.available_at = retry_at
    entry.claimed_by = None
    entry.claimed_until = None


def pending_count(session: Session, connection_id: int, stream: str) -> int:
    query = select(func.count(OutboxEntry.id)).where(
        OutboxEntry.connection_id == connection_id,
        OutboxEntry.stream == stream,
        OutboxEntry.state.in_((PENDING, CLAIMED)),
    )
    return session.scalar(query) or 0


def prune(session: Session, before: datetime) -> int:
    """Delete the entries done or superseded before ``before``; how many went.

    Open entries (pending, claimed, failed) stay, and so does a finished entry with an older
    open entry of the same key: being the newest, it is what keeps that older value from ever
    being sent (``latest_ids``).
    """
    older = aliased(OutboxEntry)
    older_open = exists().where(
        older.connection_id == OutboxEntry.connection_id,
        older.stream == OutboxEntry.stream,
        older.key == OutboxEntry.key,
        older.id < OutboxEntry.id,
        older.state.in_((PENDING, CLAIMED, FAILED)),
    )
    result = session.execute(
        delete(OutboxEntry)
        .where(
            OutboxEntry.state.in_((DONE, SUPERSEDED)),
            OutboxEntry.finished_at < before,
            ~older_open,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
