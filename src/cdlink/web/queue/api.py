"""``/api/v1/streams`` and ``/api/v1/quarantine``: every stream of every connection with its
state, last and next run, interval and last failure; run one now, change its interval; the
records that could not be imported, read again or dismissed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cdlink.store.models import QuarantinedRecord
from cdlink.sync.engine import quarantine
from cdlink.web.params import Id, QueryId
from cdlink.web.queue import views
from cdlink.web.queue.labels import stream_title

router = APIRouter(tags=["streams"])

Interval = Literal["default", "continuous", "5m", "15m", "60m", "events"]


class StreamOut(BaseModel):
    id: str = Field(description="``<connection id>-<stream>``: the id of the other operations.")
    connection_id: int
    connection_name: str
    stream: str
    title: str = Field(description="The stream's name for people (English).")
    state: str = Field(
        description="running, requested, ok, waiting (never ran), failing (will retry), "
        "dead (stopped after repeated failures: run it to bring it back), paused (the "
        "application's credentials were rejected)."
    )
    interval: str = Field(description="default, continuous, 5m, 15m, 60m or events.")
    interval_seconds: int | None = Field(description="None: runs only when something changes.")
    next_run_at: datetime | None
    last_run_at: datetime | None = Field(description="When the last run started.")
    last_finished_at: datetime | None
    last_outcome: str | None = Field(description="succeeded, failed, dead, running or None.")
    failures: int = Field(description="Failures in a row.")
    failure: str | None = Field(description="The last failure in plain words (English).")
    failure_type: str | None = Field(description="configuration, transient or system.")
    error_class: str | None
    message: str | None = Field(description="The technical detail of the last failure.")
    retry_at: datetime | None

    @classmethod
    def of(cls, item: views.StreamView) -> StreamOut:
        status = item.status
        return cls(
            id=status.key,
            connection_id=status.connection_id,
            connection_name=status.connection_name,
            stream=status.stream,
            title=stream_title(status.stream),
            state=item.state,
            interval=item.interval,
            interval_seconds=status.interval_seconds,
            next_run_at=status.next_run_at,
            last_run_at=status.last_started_at,
            last_finished_at=status.last_finished_at,
            last_outcome=status.last_outcome,
            failures=status.failures,
            failure=item.failure,
            failure_type=status.last_failure_type if item.failure else None,
            error_class=status.last_error_class if item.failure else None,
            message=status.last_message if item.failure else None,
            retry_at=status.retry_at if item.failure else None,
        )


class IntervalIn(BaseModel):
    every: Interval = Field(description="How often the stream runs; default: its own default.")


class QuarantinedOut(BaseModel):
    id: int
    connection_id: int
    stream: str
    external_id: str
    reason: str
    occurrences: int
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    dismissed_at: datetime | None

    @classmethod
    def of(cls, entry: QuarantinedRecord) -> QuarantinedOut:
        return cls.model_validate(entry, from_attributes=True)


@router.get("/streams")
def list_streams(request: Request, connection_id: QueryId = None) -> list[StreamOut]:
    """Every stream of every connection (or one connection's), by connection then stream."""
    state = request.app.state
    with state.database.reading() as session:
        items = views.stream_views(session, state.clock.now(), connection_id)
    return [StreamOut.of(item) for item in items]


@router.get("/streams/{stream_id}")
def read_stream(request: Request, stream_id: views.StreamId) -> StreamOut:
    state = request.app.state
    with state.database.reading() as session:
        return StreamOut.of(views.one_view(session, state.clock.now(), stream_id))


@router.post("/streams/{stream_id}/run", status_code=202)
def run_stream(request: Request, stream_id: views.StreamId) -> StreamOut:
    """Run the stream now (a stopped one is brought back); the answer is its state after the
    request: ``requested`` (or ``running``)."""
    views.run_now(request, stream_id)
    return read_stream(request, stream_id)


@router.put("/streams/{stream_id}/interval")
def set_stream_interval(request: Request, stream_id: views.StreamId, body: IntervalIn) -> StreamOut:
    """Change how often the stream runs, effective at once (a shorter interval brings the next
    run forward)."""
    views.change_interval(request, stream_id, body.every)
    return read_stream(request, stream_id)


@router.get("/quarantine")
def list_quarantine(request: Request, connection_id: QueryId = None) -> list[QuarantinedOut]:
    """The records that could not be imported and are still open, newest first."""
    with request.app.state.database.reading() as session:
        entries = quarantine.open_entries(session, connection_id)
        return [QuarantinedOut.of(entry) for entry in entries]


@router.post("/quarantine/{entry_id}/retry", status_code=202)
def retry_quarantine(request: Request, entry_id: Id) -> QuarantinedOut:
    """Read the record again: its stream runs now; the entry is resolved once it imports."""
    return QuarantinedOut.of(views.retry_quarantined(request, entry_id))


@router.post("/quarantine/{entry_id}/dismiss")
def dismiss_quarantine(request: Request, entry_id: Id) -> QuarantinedOut:
    """Acknowledge the entry: it leaves the list and stays out while the record is the same."""
    return QuarantinedOut.of(views.dismiss_quarantined(request, entry_id))
