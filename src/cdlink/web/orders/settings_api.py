"""``/api/v1/connections/{id}/…``: a connection's order imports and order settings.

- ``initial-imports``: start (or resume the unfinished one of the same days), list, read the
  progress, cancel, resume a failed one;
- ``order-import-filter``: statuses and first purchase date of the orders imported (widening it
  queues a backfill, returned as ``backfill``);
- ``payment-labels``: the seller's label of each payment method;
- ``cancellation-reasons``: the cached reasons, per order status, and a refresh;
- ``quarantine``: records that could not be imported, and dismissing one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.orders import cancellation_reasons, initial_imports, payment_methods
from cdlink.hub.orders.import_filters import import_filter
from cdlink.store.models import InitialImport, QuarantinedRecord
from cdlink.sync.engine import quarantine
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.orders.cancellation_reasons import STREAM as REASONS
from cdlink.sync.orders.history import (
    change_import_filter,
    request_history_import,
    retry_history_import,
)
from cdlink.web.identity import current_identity
from cdlink.web.params import Id, StrictFlag
from cdlink.web.runtime import wake

router = APIRouter(prefix="/connections/{connection_id}", tags=["order settings"])


class InitialImportIn(BaseModel):
    first_day: date = Field(examples=["2026-01-01"], description="First purchase day (UTC).")
    last_day: date = Field(examples=["2026-01-31"], description="Last purchase day, included.")
    customers: StrictFlag = Field(
        default=True, description="Also keep customers' names, e-mail addresses and addresses."
    )


class InitialImportOut(BaseModel):
    id: int
    connection_id: int
    created_from: datetime
    created_to: datetime
    customers: bool
    state: str
    total: int | None
    done: int
    imported: int
    percent: int
    eta_seconds: int | None
    reached: datetime | None
    requested_by: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, record: InitialImport, now: datetime) -> InitialImportOut:
        shown = initial_imports.progress(record, now)
        return cls.model_validate(
            {
                **{
                    name: getattr(record, name)
                    for name in cls.model_fields
                    if hasattr(record, name)
                },
                "percent": shown.percent,
                "eta_seconds": shown.eta_seconds,
            }
        )


class ImportFilterIo(BaseModel):
    statuses: list[str] | None = Field(
        default=None, description="Marketplace statuses imported; null: every status."
    )
    purchased_from: date | None = Field(default=None, description="null: no limit.")


class ImportFilterOut(ImportFilterIo):
    backfill: InitialImportOut | None = None


class ReasonOut(BaseModel):
    order_status: str
    code: str
    label: str | None


class QuarantineOut(BaseModel):
    id: int
    stream: str
    external_id: str
    reason: str
    raw: object
    first_seen_at: datetime
    last_seen_at: datetime
    occurrences: int
    resolved_at: datetime | None


def _connection(session: Session, connection_id: int) -> None:
    get_connection(session, connection_id)  # 404 for an unknown or deleted connection


@router.post("/initial-imports", status_code=202)
def start_initial_import(
    request: Request, connection_id: Id, body: InitialImportIn
) -> InitialImportOut:
    """Import the orders bought on these days; the sync engine runs it (poll its progress)."""
    identity = current_identity(request)
    state = request.app.state
    now = state.clock.now()
    with state.database.session() as session:
        _connection(session, connection_id)
        record = request_history_import(
            session,
            connection_id,
            body.first_day,
            body.last_day,
            customers=body.customers,
            requested_by=identity.email,
            now=now,
            today=now.astimezone(state.settings.zone).date(),
        )
        answer = InitialImportOut.of(record, now)
    wake(request)
    return answer


@router.get("/initial-imports")
def list_initial_imports(request: Request, connection_id: Id) -> list[InitialImportOut]:
    state = request.app.state
    with state.database.reading() as session:
        _connection(session, connection_id)
        records = initial_imports.imports_of(session, connection_id)
        return [InitialImportOut.of(record, state.clock.now()) for record in records]


@router.get("/initial-imports/{import_id}")
def read_initial_import(request: Request, connection_id: Id, import_id: Id) -> InitialImportOut:
    state = request.app.state
    with state.database.reading() as session:
        record = initial_imports.get_import(session, import_id, connection_id)
        return InitialImportOut.of(record, state.clock.now())


@router.post("/initial-imports/{import_id}/cancel")
def cancel_initial_import(request: Request, connection_id: Id, import_id: Id) -> InitialImportOut:
    """Stop it; the orders it imported stay."""
    state = request.app.state
    with state.database.session() as session:
        record = initial_imports.get_import(session, import_id, connection_id)
        initial_imports.cancel_import(record, state.clock.now())
        return InitialImportOut.of(record, state.clock.now())


@router.post("/initial-imports/{import_id}/resume", status_code=202)
def resume_initial_import(request: Request, connection_id: Id, import_id: Id) -> InitialImportOut:
    """Resume a failed import from its last committed window."""
    state = request.app.state
    with state.database.session() as session:
        record = initial_imports.get_import(session, import_id, connection_id)
        retry_history_import(session, record, state.clock.now())
        answer = InitialImportOut.of(record, state.clock.now())
    wake(request)
    return answer


@router.get("/order-import-filter")
def read_import_filter(request: Request, connection_id: Id) -> ImportFilterOut:
    with request.app.state.database.reading() as session:
        _connection(session, connection_id)
        found = import_filter(session, connection_id)
    return ImportFilterOut(
        statuses=sorted(found.statuses) if found.statuses is not None else None,
        purchased_from=found.purchased_from.date() if found.purchased_from else None,
    )


@router.put("/order-import-filter")
def write_import_filter(
    request: Request, connection_id: Id, body: ImportFilterIo
) -> ImportFilterOut:
    """Set the filter; orders already imported are kept. Widening it queues a backfill."""
    identity = current_identity(request)
    state = request.app.state
    now = state.clock.now()
    since = (
        datetime.combine(body.purchased_from, time(), tzinfo=UTC) if body.purchased_from else None
    )
    with state.database.session() as session:
        _connection(session, connection_id)
        backfill = change_import_filter(
            session, connection_id, body.statuses, since, requested_by=identity.email, now=now
        )
        found = import_filter(session, connection_id)
        answer = ImportFilterOut(
            statuses=sorted(found.statuses) if found.statuses is not None else None,
            purchased_from=body.purchased_from,
            backfill=InitialImportOut.of(backfill, now) if backfill is not None else None,
        )
    wake(request)
    return answer


@router.get("/payment-labels")
def read_payment_labels(request: Request, connection_id: Id) -> dict[str, str | None]:
    """Every payment method seen or known, with the seller's label (null: none)."""
    with request.app.state.database.reading() as session:
        _connection(session, connection_id)
        labels = payment_methods.labels(session, connection_id)
        return {
            method: labels.get(method) for method in payment_methods.methods(session, connection_id)
        }


@router.put("/payment-labels")
def write_payment_labels(
    request: Request, connection_id: Id, body: dict[str, str]
) -> dict[str, str]:
    """Set labels (method → label); an empty label removes one. Answers every label set."""
    state = request.app.state
    with state.database.session() as session:
        _connection(session, connection_id)
        return payment_methods.set_labels(session, connection_id, body, state.clock.now())


@router.get("/cancellation-reasons")
def read_reasons(
    request: Request, connection_id: Id, order_status: str | None = None
) -> list[ReasonOut]:
    """The cached reasons (all cancellable statuses, or one); empty until fetched."""
    statuses = (order_status,) if order_status else cancellation_reasons.CANCELLABLE_STATUSES
    with request.app.state.database.reading() as session:
        _connection(session, connection_id)
        return [
            ReasonOut(order_status=status, code=reason.code, label=reason.label)
            for status in statuses
            for reason in cancellation_reasons.reasons_for(session, connection_id, status)
        ]


@router.post("/cancellation-reasons/refresh", status_code=202)
def refresh_reasons(request: Request, connection_id: Id) -> dict[str, str]:
    """Ask the sync engine to fetch the reasons again now."""
    state = request.app.state
    with state.database.session() as session:
        _connection(session, connection_id)
        request_run(session, connection_id, REASONS, now=state.clock.now(), trigger="manual")
    wake(request)
    return {"stream": REASONS, "state": "requested"}


@router.get("/quarantine")
def read_quarantine(request: Request, connection_id: Id) -> list[QuarantineOut]:
    with request.app.state.database.reading() as session:
        _connection(session, connection_id)
        entries: list[QuarantinedRecord] = quarantine.open_entries(session, connection_id)
        return [QuarantineOut.model_validate(entry, from_attributes=True) for entry in entries]


@router.post("/quarantine/{entry_id}/dismiss")
def dismiss_quarantine(request: Request, connection_id: Id, entry_id: Id) -> QuarantineOut:
    """Acknowledge an entry: it leaves the list, and stays out while the same record is read."""
    state = request.app.state
    with state.database.session() as session:
        entry = quarantine.dismiss(session, entry_id, state.clock.now(), connection_id)
        return QuarantineOut.model_validate(entry, from_attributes=True)
