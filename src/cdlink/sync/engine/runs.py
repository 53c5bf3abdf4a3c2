"""Run records and the activity log: what each run did, in words a seller can act on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.redaction import redact
from cdlink.store.models import ActivityEntry, SyncRun
from cdlink.sync.engine.failures import FailureResolution

RUNNING, SUCCEEDED, FAILED, DEAD = "running", "succeeded", "failed", "dead"
MESSAGE_LIMIT = 500


def start_run(
    session: Session, connection_id: int, stream: str, *, trigger: str, attempt: int, now: datetime
) -> SyncRun:
    run = SyncRun(
        connection_id=connection_id,
        stream=stream,
        trigger=trigger,
        attempt=attempt,
        started_at=now,
        outcome=RUNNING,
        counts={},
    )
    session.add(run)
    session.flush()
    return run


def succeed(run: SyncRun, counts: Mapping[str, int], now: datetime) -> None:
    run.outcome = SUCCEEDED
    run.counts = dict(counts)
    run.finished_at = now


def fail(
    run: SyncRun,
    error: BaseException,
    resolution: FailureResolution,
    *,
    counts: Mapping[str, int],
    now: datetime,
    retry_at: datetime | None,
) -> None:
    run.outcome = FAILED if retry_at is not None else DEAD
    run.counts = dict(counts)
    run.finished_at = now
    run.error_class = type(error).__name__
    run.failure_type = resolution.failure_type.value
    run.message = human_message(error, resolution)
    run.retry_at = retry_at


def abandon(run: SyncRun, now: datetime) -> None:
    """Close the record of a run whose worker stopped (crash, kill) before it finished."""
    run.outcome = FAILED
    run.finished_at = now
    run.error_class = "WorkerLost"
    run.failure_type = "system"
    run.message = (
        "The worker stopped during this run (crash or restart). Everything it committed is "
        "kept; the next run carried on from there."
    )


def human_message(error: BaseException, resolution: FailureResolution) -> str:
    """The error's own message, then what to do; never a stack trace, never a secret."""
    # The first line only, and not too long: a driver's error goes on with its SQL statement.
    lines = str(error).strip().splitlines()
    text = (lines[0] if lines else type(error).__name__)[:MESSAGE_LIMIT]
    advice = [resolution.advice] if resolution.advice else []
    if isinstance(error, CdlinkError):
        advice.append(error.hint)
    return redact(" ".join([text.rstrip(".") + ".", *advice]).strip())


def log(
    session: Session,
    *,
    connection_id: int | None,
    kind: str,
    message: str,
    now: datetime,
    level: str = "info",
    details: dict[str, Any] | None = None,
) -> ActivityEntry:
    entry = ActivityEntry(
        occurred_at=now,
        connection_id=connection_id,
        level=level,
        kind=kind,
        message=redact(message),
        details=details or {},
    )
    session.add(entry)
    return entry


def recent_runs(
    session: Session, connection_id: int, stream: str, limit: int = 10
) -> list[SyncRun]:
    query = (
        select(SyncRun)
        .where(SyncRun.connection_id == connection_id, SyncRun.stream == stream)
        .order_by(SyncRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def prune(session: Session, before: datetime) -> int:
    """Delete successful runs that finished before ``before``; failures stay for the record."""
    result = session.execute(
        delete(SyncRun)
        .where(SyncRun.outcome == SUCCEEDED, SyncRun.finished_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
