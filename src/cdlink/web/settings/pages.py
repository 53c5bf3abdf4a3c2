"""The Settings page: the account and its password, the interface language and theme, personal
API tokens, and the warehouses with their connections and buffers (``warehouse_settings``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.stock import warehouses
from cdlink.hub.stock.queries import list_buffers
from cdlink.store import access
from cdlink.store.models import ApiToken, User
from cdlink.store.users import MINIMUM_PASSWORD_LENGTH, set_password, verify_password
from cdlink.web.access.pages import set_session_cookie
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
from cdlink.web.params import Id
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


def _tokens(request: Request) -> list[ApiToken]:
    identity = current_identity(request)
    with request.app.state.database.reading() as session:
        return access.list_api_tokens(session, identity.user_id)


def warehouse_context(session: Session) -> dict[str, Any]:
    """What the Warehouses section shows: warehouses, connections, buffers."""
    connections = list_connections(session)
    buffers = list_buffers(session)
    return {
        "warehouses": warehouses.list_warehouses(session),
        "stock_connections": connections,
        "connection_names": {connection.id: connection.name for connection in connections},
        "default_buffers": {item.connection_id: item.quantity for item in buffers if not item.sku},
        "product_buffers": [item for item in buffers if item.sku],
    }


def settings_response(
    request: Request,
    values: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The Settings page with every section's data, plus ``values`` (banners, errors)."""
    with request.app.state.database.reading() as session:
        sections = warehouse_context(session)
    context = {
        "tokens": _tokens(request),
        "new_token": None,
        "zone": request.app.state.settings.zone,
        **sections,
        **(values or {}),
    }
    return render(request, "settings/page.html", context, status=status, headers=headers)


@router.get("/settings")
def settings_page(request: Request) -> Response:
    return settings_response(request)


@router.post("/settings/tokens")
def create_token(request: Request, name: Annotated[str, Form()] = "") -> Response:
    identity = current_identity(request)
    state = request.app.state
    try:
        with state.database.session() as session:
            user = session.get_one(User, identity.user_id)
            issued = access.issue_api_token(session, user, name, state.clock.now())
            secret = issued.secret
    except access.AccessError:
        language = request_language(request, state.settings)
        error = gettext(language, "Give the token a name of 1 to 80 characters.")
        return settings_response(request, {"token_error": error}, status=422)
    # Shown once, in this answer only; the page is never cached.
    return settings_response(request, {"new_token": secret}, headers={"Cache-Control": "no-store"})


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: Id) -> Response:
    identity = current_identity(request)
    state = request.app.state
    with state.database.session() as session:
        access.revoke_api_token(session, token_id, state.clock.now(), identity.user_id)
    return RedirectResponse("/settings", status_code=303)


class PasswordForm(BaseModel):
    current: str = ""
    password: str = ""
    confirmation: str = ""

    def __repr__(self) -> str:
        return "PasswordForm(…)"


@router.post("/settings/password")
def change_password(request: Request, form: Annotated[PasswordForm, Form()]) -> Response:
    """Change one's own password; every other browser logged in as this user is logged out."""
    identity = current_identity(request)
    state = request.app.state
    language = request_language(request, state.settings)
    with state.database.session() as session:
        user = session.get_one(User, identity.user_id)
        error = _password_problem(user, form)
        if error is None:
            set_password(user, form.password)
            access.close_all_sessions(session, user.id)
            token = access.open_session(
                session, user, state.clock.now(), timedelta(days=state.settings.session_max_days)
            )
    if error is not None:
        return settings_response(request, {"password_error": gettext(language, error)}, 422)
    response = settings_response(
        request,
        {"password_changed": gettext(language, "Password changed. Other browsers are logged out.")},
    )
    set_session_cookie(response, request, token)
    return response


def _password_problem(user: User, form: PasswordForm) -> str | None:
    if not verify_password(user, form.current):
        return translatable("The current password is wrong.")
    if form.password != form.confirmation:
        return translatable("The two passwords differ.")
    if len(form.password) < MINIMUM_PASSWORD_LENGTH:
        return translatable("Choose a password of at least 10 characters.")
    return None
