"""The Settings page: the account and its password, the interface language and theme, and
personal API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from cdlink.core.translatable import translatable
from cdlink.store import access
from cdlink.store.models import ApiToken, User
from cdlink.store.users import MINIMUM_PASSWORD_LENGTH, set_password, verify_password
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
from cdlink.web.pages.access import set_session_cookie
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


def _tokens(request: Request) -> list[ApiToken]:
    identity = current_identity(request)
    with request.app.state.database.reading() as session:
        return access.list_api_tokens(session, identity.user_id)


@router.get("/settings")
def settings_page(request: Request) -> Response:
    return render(request, "settings.html", {"tokens": _tokens(request), "new_token": None})


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
        context = {"tokens": _tokens(request), "new_token": None, "token_error": error}
        return render(request, "settings.html", context, status=422)
    # Shown once, in this answer only; the page is never cached.
    context = {"tokens": _tokens(request), "new_token": secret}
    return render(request, "settings.html", context, headers={"Cache-Control": "no-store"})


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int) -> Response:
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
        context = {
            "tokens": _tokens(request),
            "new_token": None,
            "password_error": gettext(language, error),
        }
        return render(request, "settings.html", context, status=422)
    response = render(
        request,
        "settings.html",
        {
            "tokens": _tokens(request),
            "new_token": None,
            "password_changed": gettext(
                language, "Password changed. Other browsers are logged out."
            ),
        },
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
