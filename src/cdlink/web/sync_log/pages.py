"""The sync log: what the engine and people did, newest first, filtered by application,
stream, level and period, a page at a time, each entry in plain words (the raw text folded)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, select

from cdlink.hub.connections.accounts import list_connections
from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry
from cdlink.sync.connections.check import EXPLANATIONS
from cdlink.web.params import Page
from cdlink.web.queue.labels import STREAMS, stream_title
from cdlink.web.queue.views import ConnectionFilter
from cdlink.web.sync_log import labels
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
Level = Literal["", "info", "warning", "error"]
Period = Literal["today", "7d", "30d", "all"]
StreamName = Annotated[str, Query(max_length=40, pattern=r"^[a-z_]*$")]


@router.get("/sync-log")
def sync_log(  # noqa: PLR0917  (one query parameter per filter, as FastAPI reads them)
    request: Request,
    connection: ConnectionFilter = "",
    stream: StreamName = "",
    level: Level = "",
    period: Period = "all",
    page: Page = 1,
) -> Response:
    connection_id = int(connection) if connection else None
    state = request.app.state
    database: Database = state.database
    zone = state.settings.zone
    query = _filtered(connection_id, stream, level, _since(state.clock.now(), period, zone))
    with database.reading() as session:
        found = list(
            session.scalars(
                query.order_by(ActivityEntry.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE + 1)
            )
        )
        connections = list_connections(session)
    entries = found[:PAGE_SIZE]
    titles = {outcome.value: title for outcome, (title, _) in EXPLANATIONS.items()}
    context = {
        "entries": [
            (entry, labels.describe(entry, _title(labels.stream_of(entry)))) for entry in entries
        ],
        "zone": zone,
        "outcome_titles": titles,
        "connections": connections,
        "connection_names": {connection.id: connection.name for connection in connections},
        "streams": STREAMS,
        "levels": labels.LEVELS,
        "tones": labels.LEVEL_TONES,
        "periods": labels.PERIODS,
        "chosen": {
            "connection_id": connection_id,
            "stream": stream,
            "level": level,
            "period": period,
        },
        "page": page,
        "has_next": len(found) > PAGE_SIZE,
        "filtered": bool(connection_id or stream or level or period != "all"),
    }
    return render(request, "sync_log/page.html", context)


def _title(stream: str | None) -> str | None:
    return stream_title(stream) if stream else None


def _since(now: datetime, period: str, zone: tzinfo) -> datetime | None:
    if period == "all":
        return None
    if period == "today":
        local = now.astimezone(zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return now - timedelta(days=7 if period == "7d" else 30)


def _filtered(
    connection_id: int | None, stream: str, level: str, since: datetime | None
) -> Select[ActivityEntry]:
    query = select(ActivityEntry)
    if connection_id is not None:
        query = query.where(ActivityEntry.connection_id == connection_id)
    if stream:
        query = query.where(ActivityEntry.message.startswith(f"{stream}: ", autoescape=True))
    if level:
        query = query.where(ActivityEntry.level == level)
    if since is not None:
        query = query.where(ActivityEntry.occurred_at >= since)
    return query
