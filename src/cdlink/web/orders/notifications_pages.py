"""The notification centre: deadline and performance notifications, read or unread, marking one
or all read; and, for administrators, when they come (hours before a deadline, per account).

Each notification is worded in the reader's language from its kind and details
(``cdlink.hub.orders.notification_text``); the stored English title is the fallback for an
older one.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.hub.connections.accounts import get_connection, list_connections
from cdlink.hub.orders import emails
from cdlink.hub.orders import notifications as hub
from cdlink.hub.orders.notification_text import notification_text
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Id
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


def render_page(
    request: Request, *, unread: bool, error: str | None = None, status: int = 200
) -> Response:
    state = request.app.state
    language = request_language(request, state.settings)
    with state.database.reading() as session:
        found = hub.notifications(session, unread_only=unread)
        connections = list_connections(session)
        values = {
            "entries": [
                {
                    "notification": item,
                    "text": notification_text(item, language, state.settings.zone),
                }
                for item in found
            ],
            "unread": unread,
            "unread_count": hub.unread_count(session),
            "alert_hours": {
                item.id: (item.name, ", ".join(map(str, hub.alert_hours(session, item.id))))
                for item in connections
            },
            "email": emails.email_config(session),
            "saved": request.query_params.get("saved"),
            "error": error,
            "zone": state.settings.zone,
        }
    return render(request, "orders/notifications.html", values, status=status)


@router.get("/notifications")
def notifications_page(request: Request, unread: bool = False) -> Response:
    return render_page(request, unread=unread)


@router.post("/notifications/read-all")
def read_all(request: Request) -> Response:
    with request.app.state.database.session() as session:
        hub.mark_all_read(session, request.app.state.clock.now())
    return RedirectResponse("/notifications?saved=read", status_code=303)


@router.post("/notifications/{notification_id}/read")
def read_one(request: Request, notification_id: Id) -> Response:
    with request.app.state.database.session() as session:
        hub.mark_read(session, notification_id, request.app.state.clock.now())
    return RedirectResponse("/notifications?saved=read", status_code=303)


@router.post("/notifications/settings/{connection_id}")
def save_hours(request: Request, connection_id: Id, alert_hours: str = Form("")) -> Response:
    """Save one account's hours before a deadline ("12, 2"); the reason on the page otherwise."""
    state = request.app.state
    try:
        hours = hub.parse_hours(alert_hours.replace(" ", ""))
        with state.database.session() as session:
            get_connection(session, connection_id)
            hub.set_alert_hours(session, connection_id, hours, state.clock.now())
    except hub.NotificationSettingsError as error:
        language = request_language(request, state.settings)
        return render_page(request, unread=False, error=gettext(language, error.hint), status=422)
    return RedirectResponse("/notifications?saved=hours#settings", status_code=303)
