"""The Webhooks settings page: subscriptions listed and created (the secret shown once), one
subscription edited, paused, resumed or deleted, its deliveries log, a replay and a test event."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.errors import CdlinkError
from cdlink.hub.webhooks import deliveries as hub_deliveries
from cdlink.hub.webhooks import subscriptions as hub
from cdlink.hub.webhooks.events import EVENT_TYPES
from cdlink.web.connections.checks import secret_box
from cdlink.web.i18n import gettext, request_language
from cdlink.web.params import Id
from cdlink.web.templating import render
from cdlink.web.webhooks.api import allow_private, send_test

router = APIRouter(include_in_schema=False)
Url = Annotated[str, Form(max_length=2000)]
Description = Annotated[str, Form(max_length=200)]
EventTypes = Annotated[list[str] | None, Form(max_length=len(EVENT_TYPES))]


def _message(request: Request, error: CdlinkError) -> str:
    language = request_language(request, request.app.state.settings)
    return f"{error.message}. {gettext(language, error.hint)}"


def list_response(
    request: Request, values: dict[str, Any] | None = None, status: int = 200
) -> Response:
    with request.app.state.database.reading() as session:
        found = hub.subscriptions(session)
    context = {
        "webhooks": found,
        "event_types": EVENT_TYPES,
        "zone": request.app.state.settings.zone,
        "new_secret": None,
        "form": {"url": "", "description": "", "event_types": []},
        **(values or {}),
    }
    return render(request, "webhooks/list.html", context, status=status)


def detail_response(
    request: Request, webhook_id: int, values: dict[str, Any] | None = None, status: int = 200
) -> Response:
    with request.app.state.database.reading() as session:
        subscription = hub.get_subscription(session, webhook_id)
        views = hub_deliveries.deliveries(session, webhook_id, limit=50)
    context = {
        "webhook": subscription,
        "deliveries": views,
        "event_types": EVENT_TYPES,
        "zone": request.app.state.settings.zone,
        **(values or {}),
    }
    return render(request, "webhooks/detail.html", context, status=status)


@router.get("/settings/webhooks")
def webhooks_page(request: Request) -> Response:
    return list_response(request)


@router.post("/settings/webhooks")
def create_from_page(
    request: Request, url: Url = "", description: Description = "", event_types: EventTypes = None
) -> Response:
    """Create a subscription; the page shows its secret this once."""
    try:
        with request.app.state.database.session() as session:
            created = hub.create(
                session,
                secret_box(request),
                url=url,
                event_types=event_types or [],
                description=description,
                allow_private=allow_private(request),
                now=request.app.state.clock.now(),
            )
            secret = created.secret
    except CdlinkError as error:
        form = {"url": url, "description": description, "event_types": event_types or []}
        values = {"error": _message(request, error), "form": form}
        return list_response(request, values, status=422)
    headers = {"Cache-Control": "no-store"}
    response = list_response(request, {"new_secret": secret})
    response.headers.update(headers)
    return response


@router.get("/settings/webhooks/{webhook_id}")
def webhook_page(request: Request, webhook_id: Id) -> Response:
    return detail_response(request, webhook_id)


@router.post("/settings/webhooks/{webhook_id}")
def edit_from_page(  # noqa: PLR0917  (the form fields)
    request: Request,
    webhook_id: Id,
    url: Url = "",
    description: Description = "",
    event_types: EventTypes = None,
    state: Annotated[str, Form(max_length=10)] = "active",
) -> Response:
    try:
        with request.app.state.database.session() as session:
            hub.update(
                session,
                webhook_id,
                url=url,
                event_types=event_types or [],
                description=description,
                state=state,
                allow_private=allow_private(request),
                now=request.app.state.clock.now(),
            )
    except hub.UnknownWebhookError:
        raise
    except CdlinkError as error:
        return detail_response(request, webhook_id, {"error": _message(request, error)}, 422)
    return RedirectResponse(f"/settings/webhooks/{webhook_id}?saved=1", status_code=303)


@router.post("/settings/webhooks/{webhook_id}/delete")
def delete_from_page(request: Request, webhook_id: Id) -> Response:
    with request.app.state.database.session() as session:
        hub.delete(session, webhook_id)
    return RedirectResponse("/settings/webhooks?deleted=1", status_code=303)


@router.post("/settings/webhooks/{webhook_id}/test")
def test_from_page(request: Request, webhook_id: Id) -> Response:
    sent = send_test(request, webhook_id)
    tested = "queued" if sent.queued else "sent"
    return RedirectResponse(f"/settings/webhooks/{webhook_id}?tested={tested}", status_code=303)


@router.post("/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")
def replay_from_page(request: Request, webhook_id: Id, delivery_id: Id) -> Response:
    with request.app.state.database.session() as session:
        hub_deliveries.replay(session, webhook_id, delivery_id, request.app.state.clock.now())
    return RedirectResponse(f"/settings/webhooks/{webhook_id}?replayed=1", status_code=303)
