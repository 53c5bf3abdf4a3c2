"""The per-(connection, stream) lease: at most one run of a stream at a time, across processes.

Why a lease row in the database rather than a Redis lock: the database is the source of truth,
and the lease must guard writes to it. A lease row works the same in the embedded runtime (SQLite,
no Redis) and the distributed one (PostgreSQL). It has an expiry, so a worker that dies (even by
SIGKILL) holding it blocks its stream only until the lease runs out. And it *fences*: every
transaction of a run starts by renewing the lease under its holder token (``Lease.fence``); if
another worker took the lease over meanwhile (this one was paused past the expiry), the update
matches no row and the run stops with ``LeaseLost`` before writing anything. On PostgreSQL that
update also locks the lease row until the commit, so a takeover cannot slip in between. A Redis
``SET NX PX`` lock could not give that last guarantee: it lives outside the transaction it guards.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.store.engine import Database
from cdlink.store.models import StreamLease
from cdlink.sync.engine.errors import LeaseLost, StreamBusy


def new_holder() -> str:
    """A token naming this process and this run, e.g. ``web-1:4242:9f3c…``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


@dataclass
class Lease:
    """A held lease; ``fence`` it at the start of every transaction of the run."""

    connection_id: int
    stream: str
    holder: str
    duration: timedelta
    clock: Clock

    def fence(self, session: Session) -> None:
        """Renew the lease in ``session``'s transaction, or raise ``LeaseLost``."""
        result = session.execute(
            update(StreamLease)
            .where(
                StreamLease.connection_id == self.connection_id,
                StreamLease.stream == self.stream,
                StreamLease.holder == self.holder,
            )
            .values(expires_at=self.clock.now() + self.duration)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost(
                f"stream {self.stream} of connection {self.connection_id} was taken over "
                "by another worker after this one's lease expired"
            )


def acquire(
    database: Database,
    connection_id: int,
    stream: str,
    *,
    clock: Clock,
    duration: timedelta,
    holder: str | None = None,
) -> Lease:
    """Take the lease, or raise ``StreamBusy`` while another holder's lease is unexpired.

    A lease row locked by a transaction in flight is busy too, whatever its expiry says: its
    holder is committing a step (fenced by ``Lease.fence``). On PostgreSQL the row is read with
    ``SKIP LOCKED`` so that the attempt returns at once instead of holding a worker's thread
    until that commit.
    """
    lease = Lease(connection_id, stream, holder or new_holder(), duration, clock)
    now = clock.now()
    with database.session() as session:
        if database.backend == "postgresql" and _locked(session, connection_id, stream):
            raise StreamBusy(
                f"stream {stream} of connection {connection_id} is committing elsewhere"
            )
        taken = session.execute(
            update(StreamLease)
            .where(
                StreamLease.connection_id == connection_id,
                StreamLease.stream == stream,
                or_(StreamLease.expires_at < now, StreamLease.holder == lease.holder),
            )
            .values(holder=lease.holder, acquired_at=now, expires_at=now + duration)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return lease
        if session.get(StreamLease, (connection_id, stream)) is None:
            try:
                with session.begin_nested():
                    session.add(_row(lease, now))
                return lease
            except IntegrityError:
                pass  # another worker inserted it first: it is theirs
    raise StreamBusy(f"stream {stream} of connection {connection_id} is running elsewhere")


def _locked(session: Session, connection_id: int, stream: str) -> bool:
    """Whether the stream's lease row exists but another transaction holds its lock."""
    key = (StreamLease.connection_id == connection_id, StreamLease.stream == stream)
    free = session.scalar(select(StreamLease.holder).where(*key).with_for_update(skip_locked=True))
    if free is not None:
        return False
    return session.scalar(select(func.count()).select_from(StreamLease).where(*key)) == 1


def _row(lease: Lease, now: datetime) -> StreamLease:
    return StreamLease(
        connection_id=lease.connection_id,
        stream=lease.stream,
        holder=lease.holder,
        acquired_at=now,
        expires_at=now + lease.duration,
    )


def release(database: Database, lease: Lease) -> None:
    """Give the lease up (only if still ours), so the stream can run again at once."""
    with database.session() as session:
        session.execute(
            delete(StreamLease).where(
                StreamLease.connection_id == lease.connection_id,
                StreamLease.stream == lease.stream,
                StreamLease.holder == lease.holder,
            )
        )


def holder_of(session: Session, connection_id: int, stream: str, now: datetime) -> str | None:
    """Who holds an unexpired lease on the stream, if anyone."""
    return session.scalars(
        select(StreamLease.holder).where(
            StreamLease.connection_id == connection_id,
            StreamLease.stream == stream,
            StreamLease.expires_at >= now,
        )
    ).one_or_none()
