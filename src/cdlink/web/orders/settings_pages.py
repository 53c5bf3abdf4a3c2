"""The order settings of one account, on one page: how orders waiting for acceptance are handled
(manual, when in stock, always; automatic refusal), which orders it imports, the seller's payment
labels, the marketplace's cancellation reasons (with a refresh), and what is left in quarantine.

Changing the filter so that it admits more queues a backfill (``change_import_filter``), shown on
the Import history page; a refresh asks the engine for a run of ``cancellation_reasons``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cdlink.hub.connections.accounts import get_connection, list_connections
from cdlink.hub.orders import actions as order_actions
from cdlink.hub.orders import cancellation_reasons, carrier_mappings, payment_methods, shipments
from cdlink.hub.orders.carriers import carrier_labels
from cdlink.hub.orders.import_filters import ORDER_STATUSES, ImportFilterError, import_filter
from cdlink.hub.orders.payment_methods import PaymentLabelError
from cdlink.sync.engine import quarantine
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.orders import backlog
from cdlink.sync.orders.cancellation_reasons import STREAM as REASONS
from cdlink.sync.orders.history import change_import_filter
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
from cdlink.web.params import Id
from cdlink.web.runtime import wake
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
#: The seller's answer on the preview of automatic refusal: refuse the waiting orders too, or not.
REFUSE_BACKLOG, KEEP_BACKLOG = "refuse", "keep"


def _page(
    request: Request,
    connection_id: int,
    *,
    error: str | None = None,
    status: int = 200,
    carrier_error: str | None = None,
) -> Response:
    state = request.app.state
    with state.database.reading() as session:
        connection = get_connection(session, connection_id)
        found = import_filter(session, connection_id)
        values: dict[str, Any] = {
            "connection": connection,
            "connections": {item.id: item.name for item in list_connections(session)},
            "statuses": ORDER_STATUSES,
            "chosen_statuses": found.statuses or set(ORDER_STATUSES),
            "purchased_from": found.purchased_from.date().isoformat()
            if found.purchased_from
            else "",
            "policy": order_actions.acceptance_policy(session, connection_id),
            "methods": payment_methods.methods(session, connection_id),
            "labels": payment_methods.labels(session, connection_id),
            "reasons": {
                status: cancellation_reasons.reasons_for(session, connection_id, status)
                for status in cancellation_reasons.CANCELLABLE_STATUSES
            },
            "reasons_fetched_at": cancellation_reasons.fetched_at(session, connection_id),
            "quarantined": quarantine.open_entries(session, connection_id),
            "error": error,
            "zone": state.settings.zone,
            "saved": request.query_params.get("saved"),
            "count": _count(request.query_params.get("count", "")),
            "carrier_error": carrier_error,
            **_shipping(session, connection_id),
        }
    return render(request, "orders/settings.html", values, status=status)


@router.get("/orders/settings")
def settings_index(request: Request) -> Response:
    with request.app.state.database.reading() as session:
        connections = list_connections(session)
    if not connections:
        return RedirectResponse("/apps", status_code=303)
    return RedirectResponse(f"/orders/settings/{connections[0].id}", status_code=303)


@router.get("/settings/orders")
def former_acceptance_page() -> Response:
    """Where acceptance was set before it joined the order settings: bookmarks still work."""
    return RedirectResponse("/orders/settings", status_code=303)


@router.get("/orders/settings/{connection_id}")
def settings_page(request: Request, connection_id: Id) -> Response:
    return _page(request, connection_id)


@router.post("/orders/settings/{connection_id}/acceptance")
def save_acceptance(
    request: Request,
    connection_id: Id,
    acceptance: Annotated[str, Form()],
    auto_refuse: Annotated[str, Form()] = "",
    backlog_choice: Annotated[str, Form(alias="backlog")] = "",
) -> Response:
    """The acceptance policy, as ``cdlink orders policy`` and the API set it.

    Switching automatic refusal on while orders it would refuse are waiting first shows them
    (``backlog`` empty): nothing is saved until the seller chooses ``refuse`` (them too) or
    ``keep`` (new orders only).
    """
    state = request.app.state
    switching_on = acceptance == order_actions.IN_STOCK and bool(auto_refuse)
    if switching_on and backlog_choice not in {REFUSE_BACKLOG, KEEP_BACKLOG}:
        with state.database.reading() as session:
            connection = get_connection(session, connection_id)
            already = order_actions.acceptance_policy(session, connection_id).refuses
            found = [] if already else backlog.preview(session, connection_id, state.clock)
        if found:
            return render(
                request,
                "orders/refusal_preview.html",
                {"connection": connection, "acceptance": acceptance, "backlog": found},
            )
    with state.database.session() as session:
        get_connection(session, connection_id)
        policy = order_actions.set_acceptance_policy(
            session, connection_id, acceptance, state.clock.now(), auto_refuse=bool(auto_refuse)
        )
        refused = waiting = 0
        if policy.refuses and backlog_choice == REFUSE_BACKLOG:
            refused = backlog.refuse_backlog(session, connection_id, state.clock)
        elif policy.refuses and backlog_choice == KEEP_BACKLOG:
            waiting = len(backlog.preview(session, connection_id, state.clock))
    if refused:
        wake(request)
        return _saved(connection_id, f"refused&count={refused}")
    if waiting:
        return _saved(connection_id, f"kept&count={waiting}")
    return _saved(connection_id, "acceptance")


def _count(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 9 else 0


def _saved(connection_id: int, saved: str) -> Response:
    return RedirectResponse(f"/orders/settings/{connection_id}?saved={saved}", status_code=303)


@router.post("/orders/settings/{connection_id}/filter")
async def save_filter(request: Request, connection_id: Id) -> Response:
    identity = current_identity(request)
    state = request.app.state
    form = await request.form()
    statuses = [str(value) for value in form.getlist("status")]
    raw_date = str(form.get("purchased_from") or "")
    language = request_language(request, state.settings)
    try:
        since = (
            datetime.combine(date.fromisoformat(raw_date), time(), tzinfo=UTC) if raw_date else None
        )
    except ValueError:
        return _page(request, connection_id, error=gettext(language, "Enter a date."), status=422)
    try:
        with state.database.session() as session:
            get_connection(session, connection_id)
            backfill = change_import_filter(
                session,
                connection_id,
                statuses,
                since,
                requested_by=identity.email,
                now=state.clock.now(),
            )
    except ImportFilterError as error:
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        return _page(request, connection_id, error=message, status=422)
    wake(request)
    saved = "backfill" if backfill is not None else "filter"
    return RedirectResponse(f"/orders/settings/{connection_id}?saved={saved}", status_code=303)


@router.post("/orders/settings/{connection_id}/payments")
async def save_labels(request: Request, connection_id: Id) -> Response:
    state = request.app.state
    form = await request.form()
    chosen = {
        key.removeprefix("label:"): str(value)
        for key, value in form.multi_items()
        if key.startswith("label:")
    }
    try:
        with state.database.session() as session:
            get_connection(session, connection_id)
            payment_methods.set_labels(session, connection_id, chosen, state.clock.now())
    except PaymentLabelError as error:
        language = request_language(request, state.settings)
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        return _page(request, connection_id, error=message, status=422)
    return RedirectResponse(f"/orders/settings/{connection_id}?saved=payments", status_code=303)


@router.post("/orders/settings/{connection_id}/reasons")
def refresh_reasons(request: Request, connection_id: Id) -> Response:
    state = request.app.state
    with state.database.session() as session:
        get_connection(session, connection_id)
        request_run(session, connection_id, REASONS, now=state.clock.now(), trigger="manual")
    wake(request)
    return RedirectResponse(f"/orders/settings/{connection_id}?saved=reasons", status_code=303)


@router.post("/orders/settings/{connection_id}/quarantine/{entry_id}/dismiss")
def dismiss(request: Request, connection_id: Id, entry_id: Id) -> Response:
    state = request.app.state
    with state.database.session() as session:
        quarantine.dismiss(session, entry_id, state.clock.now(), connection_id)
    return RedirectResponse(f"/orders/settings/{connection_id}?saved=dismissed", status_code=303)


def _shipping(session: Session, connection_id: int) -> dict[str, Any]:
    """The Shipping section: the seller's carrier mappings, the defaults, parcels per order."""
    found = carrier_mappings.mappings(session, connection_id)
    return {
        "own_mappings": [mapping for mapping in found if not mapping.default],
        "default_mappings": [mapping for mapping in found if mapping.default],
        "carrier_labels": carrier_labels(session, connection_id),
        "several_parcels": shipments.several_parcels(session, connection_id),
    }


@router.post("/orders/settings/{connection_id}/carriers")
async def save_carriers(request: Request, connection_id: Id) -> Response:
    """Replace the seller's carrier mappings and set parcels per order (all or nothing)."""
    state = request.app.state
    form = await request.form()
    names = [str(value) for value in form.getlist("name")]
    labels = [str(value) for value in form.getlist("label")]
    templates = [str(value) for value in form.getlist("template")]
    wanted = [
        carrier_mappings.Mapping(name, label, template or None)
        for name, label, template in zip(names, labels, templates, strict=False)
        if name.strip() or label.strip()
    ]
    try:
        with state.database.session() as session:
            get_connection(session, connection_id)
            now = state.clock.now()
            carrier_mappings.replace_mappings(session, connection_id, wanted, now)
            several = form.get("several_parcels") == "on"
            shipments.set_several_parcels(session, connection_id, several, now)
    except carrier_mappings.CarrierMappingError as error:
        language = request_language(request, state.settings)
        message = f"{gettext(language, error.message)} {gettext(language, error.hint)}"
        return _page(request, connection_id, carrier_error=message, status=422)
    return RedirectResponse(
        f"/orders/settings/{connection_id}?saved=carriers#shipping", status_code=303
    )
