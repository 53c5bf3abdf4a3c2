"""The honest empty state of a feature's page while there is nothing to list yet.

Orders, Products and Stock show it (``coming_page``) until the first record arrives: it says what
will appear there; nothing on these pages is made up.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import list_connections
from cdlink.store.engine import Database
from cdlink.web.i18n import gettext, request_language
from cdlink.web.templating import render

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
