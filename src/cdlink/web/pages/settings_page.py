"""The Settings page: the account, the interface language and theme, and personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.store import access
from cdlink.store.models import ApiToken, User
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
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
