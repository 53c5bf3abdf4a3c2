"""The Import history pages: the wizard (account, days, data types) and each import's progress.

Starting an import records it and asks the sync engine for a run of ``orders_history``
(``cdlink.sync.orders.history``); the progress page polls a fragment every second (htmx) until the
import is done, failed or cancelled.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.orders import initial_imports
from cdlink.store.models import InitialImport
from cdlink.sync.orders.history import request_history_import, retry_history_import
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
from cdlink.web.params import Id, parse_id
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30


def _wizard(
    request: Request, chosen: dict[str, str], error: str | None = None, status: int = 200
) -> Response:
    state = request.app.state
    today = state.clock.now().astimezone(state.settings.zone).date()
    with state.database.reading() as session:
        connections = list_connections(session)
        names = {item.id: item.name for item in connections}
        imports = initial_imports.imports_of(session)
        shown = [
            (record, initial_imports.progress(record, state.clock.now())) for record in imports
        ]
    values = {
        "connections": names,
        "imports": shown,
        "chosen": chosen,
        "error": error,
        "today": today.isoformat(),
        "oldest": (today - initial_imports.MAXIMUM_HISTORY).isoformat(),
        "zone": state.settings.zone,
    }
    return render(request, "orders/imports.html", values, status=status)


@router.get("/orders/imports")
def imports_page(request: Request, connection: str = "") -> Response:
    state = request.app.state
    today = state.clock.now().astimezone(state.settings.zone).date()
    chosen = {
        "connection": connection,
        "first": (today - timedelta(days=DEFAULT_DAYS)).isoformat(),
        "last": today.isoformat(),
        "customers": "on",
    }
    return _wizard(request, chosen)


@router.post("/orders/imports")
def start(
    request: Request,
    connection: Annotated[str, Form()] = "",
    first: Annotated[str, Form()] = "",
    last: Annotated[str, Form()] = "",
    customers: Annotated[str, Form()] = "",
) -> Response:
    identity = current_identity(request)
    state = request.app.state
    language = request_language(request, state.settings)
    chosen = {"connection": connection, "first": first, "last": last, "customers": customers}
    try:
        first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        message = gettext(language, "Enter the first and the last day as dates.")
        return _wizard(request, chosen, message, 422)
    with state.database.reading() as session:
        known = {item.id for item in list_connections(session)}
    connection_id = parse_id(connection)
    if connection_id is None or connection_id not in known:
        return _wizard(request, chosen, gettext(language, "Choose an account."), 422)
    try:
        with state.database.session() as session:
            record = request_history_import(
                session,
                connection_id,
                first_day,
                last_day,
                customers=bool(customers),
                requested_by=identity.email,
                now=state.clock.now(),
                today=state.clock.now().astimezone(state.settings.zone).date(),
            )
            import_id = record.id
    except initial_imports.InitialImportError as error:
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        return _wizard(request, chosen, message, 422)
    wake(request)
    return RedirectResponse(f"/orders/imports/{import_id}", status_code=303)


def _progress_values(request: Request, import_id: int) -> dict[str, object]:
    state = request.app.state
    with state.database.reading() as session:
        record = initial_imports.get_import(session, import_id)
        names = {item.id: item.name for item in list_connections(session)}
    return {
        "record": record,
        "progress": initial_imports.progress(record, state.clock.now()),
        "connection_name": names.get(record.connection_id, ""),
        "zone": state.settings.zone,
        "finished": record.state not in initial_imports.UNFINISHED,
    }


@router.get("/orders/imports/{import_id}")
def import_page(request: Request, import_id: Id) -> Response:
    return render(request, "orders/import.html", _progress_values(request, import_id))


@router.get("/orders/imports/{import_id}/progress")
def import_progress(request: Request, import_id: Id) -> Response:
    """The progress fragment the page polls (htmx)."""
    return render(request, "orders/_import_progress.html", _progress_values(request, import_id))


@router.post("/orders/imports/{import_id}/cancel")
def cancel(request: Request, import_id: Id) -> Response:
    state = request.app.state
    with state.database.session() as session:
        record: InitialImport = initial_imports.get_import(session, import_id)
        initial_imports.cancel_import(record, state.clock.now())
    return RedirectResponse(f"/orders/imports/{import_id}", status_code=303)


@router.post("/orders/imports/{import_id}/resume")
def resume(request: Request, import_id: Id) -> Response:
    state = request.app.state
    with state.database.session() as session:
        record = initial_imports.get_import(session, import_id)
        retry_history_import(session, record, state.clock.now())
    wake(request)
    return RedirectResponse(f"/orders/imports/{import_id}", status_code=303)
