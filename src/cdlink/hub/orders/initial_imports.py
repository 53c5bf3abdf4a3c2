"""Initial imports: a connection's past orders, imported once over a date range the seller picks.

A request is checked (``start_import``: from ≤ to, not in the future, at most ``MAXIMUM_HISTORY``
back) and recorded ``queued``; the sync engine's ``orders_history`` stream
(``cdlink.sync.orders.history``) works through it window by window of purchase time, committing
each window's orders and the progress (``done``, ``reached``) in one transaction, so a crash
resumes at the first window not committed. One import runs at a time per connection, oldest first.

Data types: orders are always imported; "customers" (the customer's name, e-mail address and the
billing and shipping addresses) only when asked. Without it, an order this import creates keeps
only the marketplace's anonymised customer reference; an order already imported keeps what it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store.models import InitialImport

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
UNFINISHED = (QUEUED, RUNNING)
#: The states as the pages show them (translated there).
STATE_LABELS = {
    QUEUED: translatable("queued"),
    RUNNING: translatable("running"),
    DONE: translatable("done"),
    FAILED: translatable("failed"),
    CANCELLED: translatable("cancelled"),
}
#: How far back an import may reach. The marketplace does not document how long it keeps orders
#: listable; cdlink asks for at most two years, which covers the yearly comparisons sellers make.
MAXIMUM_HISTORY = timedelta(days=730)


class InitialImportError(CdlinkError):
    """The import cannot be started or changed as asked; nothing was recorded."""

    default_hint = translatable("Pick a range of past days, the first not after the last.")


class UnknownInitialImportError(InitialImportError):
    default_hint = translatable("The Import history page lists every import.")


@dataclass(frozen=True)
class Progress:
    """What the pages, the API and the CLI show of an import."""

    total: int | None
    done: int
    percent: int
    eta_seconds: int | None


def day_range(first: date, last: date, today: date) -> tuple[datetime, datetime]:
    """``[first 00:00, the day after last 00:00)`` in UTC; raises ``InitialImportError``."""
    # Fixed messages: the pages show them translated.
    if first > last:
        raise InitialImportError(translatable("the first day is after the last day"))
    if last > today:
        raise InitialImportError(
            translatable("the last day is in the future"),
            hint=translatable("Choose today at the latest."),
        )
    if first < today - MAXIMUM_HISTORY:
        raise InitialImportError(
            translatable("the first day is more than two years ago"),
            hint=translatable("Older orders are not imported: choose a later first day."),
        )
    start = datetime.combine(first, time(), tzinfo=UTC)
    return start, datetime.combine(last, time(), tzinfo=UTC) + timedelta(days=1)


def start_import(
    session: Session,
    connection_id: int,
    created_from: datetime,
    created_to: datetime,
    *,
    customers: bool,
    requested_by: str | None,
    now: datetime,
) -> InitialImport:
    """Record an import of ``[created_from, created_to)`` (capped at ``now``), queued."""
    record = InitialImport(
        connection_id=connection_id,
        created_from=created_from,
        created_to=min(created_to, now),
        customers=customers,
        state=QUEUED,
        done=0,
        imported=0,
        failures=0,
        requested_by=requested_by,
        requested_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    return record


def find_unfinished(
    session: Session, connection_id: int, created_from: datetime, created_to: datetime
) -> InitialImport | None:
    """An unfinished import of this connection over this exact range (to resume, not repeat)."""
    query = select(InitialImport).where(
        InitialImport.connection_id == connection_id,
        InitialImport.state.in_(UNFINISHED),
        InitialImport.created_from == created_from,
    )
    for record in session.scalars(query):
        if record.created_to <= created_to:
            return record
    return None


def next_import(session: Session, connection_id: int) -> InitialImport | None:
    """The import the engine works on now: the running one, else the oldest queued."""
    query = (
        select(InitialImport)
        .where(InitialImport.connection_id == connection_id, InitialImport.state.in_(UNFINISHED))
        .order_by(InitialImport.state.desc(), InitialImport.id)  # "running" before "queued"
        .limit(1)
    )
    return session.scalars(query).first()


def imports_of(session: Session, connection_id: int | None = None) -> list[InitialImport]:
    query = select(InitialImport).order_by(InitialImport.id.desc())
    if connection_id is not None:
        query = query.where(InitialImport.connection_id == connection_id)
    return list(session.scalars(query))


def get_import(session: Session, import_id: int, connection_id: int | None = None) -> InitialImport:
    record = session.get(InitialImport, import_id)
    if record is None or (connection_id is not None and record.connection_id != connection_id):
        raise UnknownInitialImportError(f"no initial import with id {import_id}")
    return record


def cancel_import(record: InitialImport, now: datetime) -> None:
    """Stop an unfinished import; what it committed stays imported."""
    if record.state not in UNFINISHED:
        raise InitialImportError(
            translatable("the import is already finished"),
            hint=translatable("Only a queued or running import can be stopped."),
        )
    record.state = CANCELLED
    record.finished_at = record.updated_at = now


def resume_import(record: InitialImport, now: datetime) -> None:
    """Queue a failed import again; it goes on from the last committed window."""
    if record.state != FAILED:
        raise InitialImportError(
            translatable("the import has not failed"),
            hint=translatable("Only a failed import can be resumed."),
        )
    record.state = RUNNING if record.started_at else QUEUED
    record.error, record.failures, record.finished_at = None, 0, None
    record.updated_at = now


def progress(record: InitialImport, now: datetime) -> Progress:
    """Percent done and, while it runs, the time left at the pace so far."""
    if record.state == DONE:
        return Progress(record.total, record.done, 100, 0)
    total = record.total
    percent = 0 if not total else min(99, record.done * 100 // total)
    eta = None
    if record.state == RUNNING and total and record.started_at and record.done:
        elapsed = (now - record.started_at).total_seconds()
        eta = max(0, round(elapsed * (total - record.done) / record.done))
    return Progress(total, record.done, percent, eta)
