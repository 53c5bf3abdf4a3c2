"""The notification centre: deadline and performance notifications, read or unread, marking one
or all read; and, for administrators, when they come (hours before a deadline, per account).

Each notification is worded in the reader's language from its kind and details
(``notification_text``); the stored English title is the fallback for an older one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import get_connection, list_connections
from cdlink.hub.orders import emails
from cdlink.hub.orders import notifications as hub
from cdlink.store.models import Notification
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Id
from cdlink.web.performance import labels as performance_labels
from cdlink.web.templating import moment_text, render

router = APIRouter(include_in_schema=False)
ACCEPT = translatable(
    "Order %(order)s: less than %(hours)s h left to accept or refuse it (by %(when)s)"
)
SHIP = translatable("Order %(order)s: less than %(hours)s h left to ship it (by %(when)s)")
CROSSED = translatable(
    "%(source)s: %(indicator)s at %(value)s %% has crossed its threshold (%(threshold)s)"
)
NEAR = translatable(
    "%(source)s: %(indicator)s at %(value)s %% is near its threshold (%(threshold)s)"
)


def notification_text(item: Notification, language: str, zone: Any) -> str:
    """The notification in ``language``: from its kind and details, else its English title."""
    details = item.details or {}

    def say(message: str) -> str:
        return gettext(language, message)

    if item.kind in {hub.ACCEPTANCE, hub.SHIPPING} and {"order", "hours", "deadline"} <= set(
        details
    ):
        deadline = datetime.fromisoformat(details["deadline"])
        message = say(ACCEPT) if item.kind == hub.ACCEPTANCE else say(SHIP)
        return message % {
            "order": details["order"],
            "hours": details["hours"],
            "when": moment_text(deadline, zone, language, seconds=False),
        }
    if item.kind == "performance" and details.get("indicator") in performance_labels.INDICATORS:
        message = say(CROSSED) if details.get("level") == "beyond" else say(NEAR)
        kind = performance_labels.THRESHOLD_KINDS.get(
            details.get("threshold_type", ""), "%(value)s"
        )
        return message % {
            "source": say(performance_labels.SOURCES.get(details.get("source", ""), "cdlink")),
            "indicator": say(performance_labels.INDICATORS[details["indicator"]]),
            "value": details.get("value", ""),
            "threshold": say(kind) % {"value": details.get("threshold", "")},
        }
    return item.title


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
