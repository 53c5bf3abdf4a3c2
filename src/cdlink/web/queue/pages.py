"""The Queue and errors page: every stream of every application with its state, last and next
run and interval (changed at once), failures in plain words with the detail folded away, Run now
(which also brings a stopped stream back), and the quarantine with Retry and Dismiss."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import list_connections
from cdlink.sync.engine import quarantine
from cdlink.web.identity import current_identity
from cdlink.web.params import Id
from cdlink.web.queue import labels, views
from cdlink.web.queue.views import ConnectionFilter
from cdlink.web.roles import ADMIN
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)

#: The banner after an action (``?done=``).
DONE = {
    "run": translatable("The stream will run in a moment."),
    "interval": translatable("The new interval applies from now."),
    "retry": translatable("The record will be read again at the stream's next run."),
    "dismiss": translatable("The record was dismissed: it leaves the list."),
}


@router.get("/queue")
def queue_page(request: Request, connection: ConnectionFilter = "", done: str = "") -> Response:
    connection_id = int(connection) if connection else None
    state = request.app.state
    with state.database.reading() as session:
        items = views.stream_views(session, state.clock.now(), connection_id)
        entries = quarantine.open_entries(session, connection_id)
        connections = list_connections(session)
    names = {connection.id: connection.name for connection in connections}
    context = {
        "streams": items,
        "quarantined": entries,
        "connections": connections,
        "connection_names": names,
        "connection_id": connection_id,
        "labels": labels,
        "intervals": views.INTERVAL_CHOICES,
        "zone": state.settings.zone,
        "done": DONE.get(done),
        "can_act": current_identity(request).holds(ADMIN),
        "failing": sum(1 for item in items if item.state in ("failing", "dead", "paused")),
    }
    return render(request, "queue/page.html", context)


def _back(done: str, connection_id: int | None) -> RedirectResponse:
    suffix = f"&connection={connection_id}" if connection_id else ""
    return RedirectResponse(f"/queue?done={done}{suffix}", status_code=303)


@router.post("/queue/streams/{stream_id}/run")
def run_stream(
    request: Request, stream_id: views.StreamId, back: Annotated[int | None, Form()] = None
) -> Response:
    views.run_now(request, stream_id)
    return _back("run", back)


@router.post("/queue/streams/{stream_id}/interval")
def change_interval(
    request: Request,
    stream_id: views.StreamId,
    every: Annotated[Literal["default", "continuous", "5m", "15m", "60m", "events"], Form()],
    back: Annotated[int | None, Form()] = None,
) -> Response:
    views.change_interval(request, stream_id, every)
    return _back("interval", back)


@router.post("/queue/quarantine/{entry_id}/retry")
def retry_entry(request: Request, entry_id: Id) -> Response:
    views.retry_quarantined(request, entry_id)
    return _back("retry", None)


@router.post("/queue/quarantine/{entry_id}/dismiss")
def dismiss_entry(request: Request, entry_id: Id) -> Response:
    views.dismiss_quarantined(request, entry_id)
    return _back("dismiss", None)
