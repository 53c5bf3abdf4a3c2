"""The dashboard (figures from ``hub.dashboard``), the sync log, and the pages whose content
comes with later features.

Orders, Products and Stock show this honest empty state (``coming_page``) while there is nothing
to list: it says what will appear there; nothing on these pages is made up.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from cdlink.core.translatable import translatable
from cdlink.hub.connections import list_connections
from cdlink.hub.dashboard import build_dashboard
from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry
from cdlink.sync.connection_check import EXPLANATIONS
from cdlink.web.i18n import gettext, request_language
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
SYNC_LOG_LENGTH = 100

# (path, icon, title, heading, explanation) — English source text, translated when shown.
COMING_PAGES = {
    "orders": (
        "orders",
        translatable("Orders"),
        translatable("No orders yet"),
        translatable(
            "Cdiscount orders will appear here as soon as they are imported from your connected "
            "account, with their status, customer, items and shipping, ready to accept and ship."
        ),
    ),
    "products": (
        "products",
        translatable("Products"),
        translatable("No products yet"),
        translatable(
            "Your catalogue will appear here: each product with its EAN, price and the offer it "
            "has on Cdiscount."
        ),
    ),
    "stock": (
        "stock",
        translatable("Stock"),
        translatable("No stock yet"),
        translatable(
            "Stock per warehouse and the quantity available to sell on Cdiscount will appear here, "
            "with each change sent to the marketplace."
        ),
    ),
}


def _connection_count(database: Database) -> int:
    with database.reading() as session:
        return len(list_connections(session))


@router.get("/")
def dashboard(request: Request) -> Response:
    settings = request.app.state.settings
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        figures = build_dashboard(session, now, settings.zone)
    context = {
        "figures": figures,
        "connections": figures.connections,
        "zone": settings.zone,
        "today": figures.today.since.astimezone(settings.zone).date().isoformat(),
        "week_start": figures.last_7_days.since.astimezone(settings.zone).date().isoformat(),
    }
    return render(request, "dashboard.html", context)


def coming_page(request: Request, key: str) -> Response:
    language = request_language(request, request.app.state.settings)
    icon_name, title, heading, explanation = COMING_PAGES[key]
    context = {
        "icon_name": icon_name,
        "title": gettext(language, title),
        "heading": gettext(language, heading),
        "explanation": gettext(language, explanation),
        "has_connection": _connection_count(request.app.state.database) > 0,
    }
    return render(request, "empty.html", context)


@router.get("/sync-log")
def sync_log(request: Request) -> Response:
    database: Database = request.app.state.database
    with database.reading() as session:
        query = select(ActivityEntry).order_by(ActivityEntry.id.desc()).limit(SYNC_LOG_LENGTH)
        entries = list(session.scalars(query))
    zone = request.app.state.settings.zone
    titles = {outcome.value: title for outcome, (title, _) in EXPLANATIONS.items()}
    context = {"entries": entries, "zone": zone, "outcome_titles": titles}
    return render(request, "sync_log.html", context)
