"""The sync log: the latest entries of the activity journal, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry
from cdlink.sync.connections.check import EXPLANATIONS
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
SYNC_LOG_LENGTH = 100


@router.get("/sync-log")
def sync_log(request: Request) -> Response:
    database: Database = request.app.state.database
    with database.reading() as session:
        query = select(ActivityEntry).order_by(ActivityEntry.id.desc()).limit(SYNC_LOG_LENGTH)
        entries = list(session.scalars(query))
    zone = request.app.state.settings.zone
    titles = {outcome.value: title for outcome, (title, _) in EXPLANATIONS.items()}
    context = {"entries": entries, "zone": zone, "outcome_titles": titles}
    return render(request, "sync_log/page.html", context)
