"""What the Queue page and the streams API show of one stream, and the actions both share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Path, Query, Request
from sqlalchemy.orm import Session

from cdlink.store.models import QuarantinedRecord, StreamSchedule
from cdlink.sync.engine import quarantine, schedules
from cdlink.sync.engine.errors import UnknownStream
from cdlink.sync.engine.status import StreamStatus, stream_statuses
from cdlink.web.params import MAXIMUM_ID
from cdlink.web.queue.labels import failure_text
from cdlink.web.runtime import wake

#: A stream's id: ``<connection id>-<stream name>``, e.g. ``3-orders``.
STREAM_ID_PATTERN = r"^[0-9]{1,10}-[a-z][a-z0-9_]{0,39}$"
StreamId = Annotated[
    str,
    Path(
        pattern=STREAM_ID_PATTERN,
        max_length=51,
        description="``<connection id>-<stream>``, e.g. ``3-orders`` (see GET /streams).",
        examples=["1-orders"],
    ),
]
#: A page's application filter: an id, or empty for all (a select's "All" sends "").
ConnectionFilter = Annotated[str, Query(max_length=9, pattern=r"^([1-9][0-9]{0,8})?$")]
INTERVAL_CHOICES = ("default", *schedules.INTERVAL_CHOICES)


@dataclass(frozen=True)
class StreamView:
    """One stream of one connection, as people and programs read it."""

    status: StreamStatus
    state: str  # a key of ``labels.STATES``
    interval: str  # a key of ``labels.INTERVALS``, or "custom"
    failure: str | None  # the plain sentence (untranslated), when the last run failed


def view(status: StreamStatus) -> StreamView:
    return StreamView(status, _state(status), _interval(status), _failure(status))


def _state(status: StreamStatus) -> str:
    """The first that holds, in this order (a paused application outranks everything)."""
    checks = (
        ("paused", status.connection_state != "active"),
        ("running", bool(status.running_on)),
        ("dead", status.state == schedules.DEAD),
        ("failing", bool(status.failures) and status.last_outcome not in (None, "succeeded")),
        ("requested", status.requested),
        ("waiting", status.last_outcome is None),
    )
    return next((name for name, holds in checks if holds), "ok")


def _interval(status: StreamStatus) -> str:
    if status.interval_source != schedules.CUSTOM:
        return "default"
    for name, seconds in schedules.INTERVAL_CHOICES.items():
        if seconds == status.interval_seconds:
            return name
    return "continuous" if status.interval_seconds else "events"


def _failure(status: StreamStatus) -> str | None:
    if status.last_outcome in (None, "succeeded", "running"):
        return None
    return failure_text(status.last_error_class, status.last_failure_type)


def stream_views(
    session: Session, now: datetime, connection_id: int | None = None
) -> list[StreamView]:
    return [view(status) for status in stream_statuses(session, now, connection_id)]


def parse_stream_id(stream_id: str) -> tuple[int, str]:
    """``3-orders`` → (3, "orders"); an id no schedule can have is unknown (404)."""
    match = re.fullmatch(r"([0-9]+)-(.+)", stream_id)
    if match is None or not 1 <= int(match.group(1)) <= MAXIMUM_ID:
        raise UnknownStream(f"no stream has the id {stream_id!r}")
    return int(match.group(1)), match.group(2)


def find_stream(session: Session, stream_id: str) -> StreamSchedule:
    connection_id, stream = parse_stream_id(stream_id)
    row = session.get(StreamSchedule, (connection_id, stream))
    if row is None:
        raise UnknownStream(f"no stream has the id {stream_id!r}")
    return row


def one_view(session: Session, now: datetime, stream_id: str) -> StreamView:
    connection_id, stream = parse_stream_id(stream_id)
    for item in stream_views(session, now, connection_id):
        if item.status.stream == stream:
            return item
    raise UnknownStream(f"no stream has the id {stream_id!r}")


def run_now(request: Request, stream_id: str) -> None:
    """Run now: a stopped (dead) stream is brought back; either way the runtime runs it next."""
    state = request.app.state
    now = state.clock.now()
    with state.database.session() as session:
        row = find_stream(session, stream_id)
        if row.state == schedules.DEAD:
            schedules.retry_dead(session, row.connection_id, row.stream, now=now)
        else:
            schedules.request_run(session, row.connection_id, row.stream, now=now, trigger="manual")
    wake(request)


def change_interval(request: Request, stream_id: str, choice: str) -> None:
    """Set the interval, effective at once (``schedules.set_interval``)."""
    state = request.app.state
    with state.database.session() as session:
        row = find_stream(session, stream_id)
        schedules.set_interval(
            session,
            row.connection_id,
            row.stream,
            choice,
            continuous=state.settings.sync_continuous_seconds,
            now=state.clock.now(),
        )
    wake(request)


def retry_quarantined(request: Request, entry_id: int) -> QuarantinedRecord:
    """Read a quarantined record again: its stream runs now (the record is re-read through the
    look-back; it leaves the list once it imports)."""
    state = request.app.state
    with state.database.session() as session:
        entry: QuarantinedRecord | None = session.get(QuarantinedRecord, entry_id)
        if entry is None or entry.resolved_at is not None:
            raise quarantine.UnknownQuarantineEntryError(
                f"no open quarantine entry with id {entry_id}"
            )
        schedules.request_run(
            session, entry.connection_id, entry.stream, now=state.clock.now(), trigger="manual"
        )
        session.flush()
        session.expunge(entry)
    wake(request)
    return entry


def dismiss_quarantined(request: Request, entry_id: int) -> QuarantinedRecord:
    state = request.app.state
    with state.database.session() as session:
        entry = quarantine.dismiss(session, entry_id, state.clock.now())
        session.flush()
        session.expunge(entry)
    return entry
