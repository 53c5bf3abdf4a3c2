"""The Apps page: the connected accounts, the catalogue, and the install/edit/remove panel.

Every page works as a whole page (no JavaScript) and, with htmx, as a fragment swapped into the
slide-over panel. The routes only translate between HTTP and ``cdlink.hub.connections`` /
``cdlink.sync.connections.check``; the rules live there.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from cdlink.hub.connections import accounts as connections
from cdlink.hub.connections.rules import DEFAULT_NAME, ConnectionDraft
from cdlink.store.models import Connection
from cdlink.sync.connections.check import CheckOutcome, CheckResult, outcome_of
from cdlink.web.connections.checks import check_connection, check_draft, secret_box
from cdlink.web.i18n import gettext, request_language
from cdlink.web.identity import current_identity
from cdlink.web.params import Id
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
REFRESH_LIST = {"HX-Trigger": "apps-changed"}


def _is_fragment(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _page(
    request: Request,
    panel: str | None,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The panel alone for htmx, or the whole Apps page with the panel open."""
    values = {"panel": panel, **(context or {})}
    if _is_fragment(request):
        template = f"connections/{panel}.html" if panel else "connections/list.html"
        if panel is None:
            values["connections"] = _connections(request)
            values["failed_installs"] = _failed_installs(request)
        return render(request, template, values, status=status, headers=headers)
    values["connections"] = _connections(request)
    values["failed_installs"] = _failed_installs(request)
    return render(request, "connections/page.html", values, status=status, headers=headers)


def _connections(request: Request) -> list[Connection]:
    with request.app.state.database.reading() as session:
        return connections.list_connections(session)


def _failed_installs(request: Request) -> int:
    with request.app.state.database.reading() as session:
        return len(connections.failed_installs(session))


def _find(request: Request, connection_id: int) -> Connection:
    with request.app.state.database.reading() as session:
        return connections.get_connection(session, connection_id)


@router.get("/apps")
def apps(request: Request) -> Response:
    return _page(request, None)


@router.get("/apps/catalogue")
def catalogue(request: Request) -> Response:
    return _page(request, "catalogue")


@router.get("/apps/new")
def new_app(request: Request) -> Response:
    draft = ConnectionDraft(name=DEFAULT_NAME)
    return _page(request, "form", {"draft": draft, "connection": None, "errors": {}})


@router.get("/apps/{connection_id}/edit")
def edit_app(request: Request, connection_id: Id) -> Response:
    connection = _find(request, connection_id)
    # The wrench panel shows the last test's banner ("Module installed correctly", or why not).
    context = {
        "draft": _draft_of(connection),
        "connection": connection,
        "errors": {},
        "result": _last_result(connection),
    }
    return _page(request, "form", context)


def _draft_of(connection: Connection) -> ConnectionDraft:
    return ConnectionDraft(
        name=connection.name,
        seller_id=str(connection.seller_id),
        client_id=connection.client_id,
        auth_mode=connection.auth_mode,
        token_url=connection.token_url or "",
        api_url=connection.api_url or "",
        stock_sync_enabled=connection.stock_sync_enabled,
    )


class AppForm(BaseModel):
    """The fields of the install/edit panel, as the browser posts them."""

    name: str = ""
    seller_id: str = ""
    client_id: str = ""
    secret: str = ""
    auth_mode: str = "client_credentials"
    token_url: str = ""
    api_url: str = ""
    # A checkbox: present ("on") when ticked, absent otherwise.
    stock_sync: str = ""
    # "draft" when the user asks to keep an application whose test failed (it does not sync).
    save: str = ""

    def draft(self) -> ConnectionDraft:
        return ConnectionDraft(
            name=self.name,
            seller_id=self.seller_id,
            client_id=self.client_id,
            secret=self.secret,
            auth_mode=self.auth_mode,
            token_url=self.token_url,
            api_url=self.api_url,
            stock_sync_enabled=self.stock_sync == "on",
        )

    def __repr__(self) -> str:
        return f"AppForm(name={self.name!r}, seller_id={self.seller_id!r})"


Posted = Annotated[AppForm, Form()]


@router.post("/apps")
def install(request: Request, form: Posted) -> Response:
    """Test first, save after: an application is added once its test passes, or when the user
    explicitly keeps it as a draft that does not sync; a failed test keeps the panel open with
    the precise reason and nothing saved."""
    draft = form.draft()
    state = request.app.state
    identity = current_identity(request)
    try:
        with state.database.reading() as session:
            valid = connections.validated_new(session, draft)
    except connections.InvalidConnectionError as error:
        return _form_again(request, draft, None, error)
    result = check_draft(request, valid)
    if not result.succeeded and form.save != "draft":
        blank = ConnectionDraft(**{**draft.__dict__, "secret": ""})
        context: dict[str, Any] = {
            "draft": blank,
            "connection": None,
            "errors": {},
            "result": result,
        }
        return _page(request, "form", context, status=422)
    try:
        with state.database.session() as session:
            connection = connections.create_connection(
                session, secret_box(request), state.clock, valid, user_id=identity.user_id
            )
            connections.record_check(
                session,
                state.clock,
                connection.id,
                succeeded=result.succeeded,
                credentials_rejected=False,
                reason=None if result.succeeded else result.outcome.value,
                user_id=identity.user_id,
            )
            if not result.succeeded:
                connections.keep_as_draft(connection, result.outcome.value)
            connection_id = connection.id
    except connections.InvalidConnectionError as error:  # the same account, added meanwhile
        return _form_again(request, draft, None, error)
    if not _is_fragment(request):
        return RedirectResponse(f"/apps/{connection_id}/result", status_code=303)
    return _result_panel(request, connection_id, result, headers=REFRESH_LIST)


# Before /apps/{connection_id}/…: "failed-installs" is not an id.
@router.post("/apps/failed-installs/delete")
def remove_failed_installs(request: Request) -> Response:
    """Remove the applications whose test failed and that never brought anything in."""
    state = request.app.state
    with state.database.session() as session:
        connections.remove_failed_installs(
            session, state.clock, user_id=current_identity(request).user_id
        )
    return RedirectResponse("/apps", status_code=303)


@router.post("/apps/{connection_id}")
def change(request: Request, connection_id: Id, form: Posted) -> Response:
    draft = form.draft()
    state = request.app.state
    identity = current_identity(request)
    try:
        with state.database.session() as session:
            connections.update_connection(
                session,
                secret_box(request),
                state.clock,
                connection_id,
                draft,
                user_id=identity.user_id,
            )
    except connections.InvalidConnectionError as error:
        return _form_again(request, draft, _find(request, connection_id), error)
    return _after_save(request, connection_id)


def _form_again(
    request: Request,
    draft: ConnectionDraft,
    connection: Connection | None,
    error: connections.InvalidConnectionError,
) -> Response:
    language = request_language(request, request.app.state.settings)
    errors: dict[str, list[str]] = {}
    for problem in error.problems:
        errors.setdefault(problem.field, []).append(gettext(language, problem.message))
    # The secret typed is never sent back into the page.
    blank = ConnectionDraft(**{**draft.__dict__, "secret": ""})
    context = {"draft": blank, "connection": connection, "errors": errors}
    return _page(request, "form", context, status=422)


def _after_save(request: Request, connection_id: int) -> Response:
    """Test the saved connection and show the outcome; the list refreshes behind the panel."""
    result = check_connection(request, connection_id)
    if not _is_fragment(request):
        return RedirectResponse(f"/apps/{connection_id}/result", status_code=303)
    return _result_panel(request, connection_id, result, headers=REFRESH_LIST)


def _result_panel(
    request: Request,
    connection_id: int,
    result: CheckResult | None,
    headers: dict[str, str] | None = None,
) -> Response:
    connection = _find(request, connection_id)
    if result is None:
        result = _last_result(connection)
    if result is not None and not result.succeeded:
        context = {
            "draft": _draft_of(connection),
            "connection": connection,
            "errors": {},
            "result": result,
        }
        return _page(request, "form", context, headers=headers)
    return _page(request, "result", {"connection": connection, "result": result}, headers=headers)


def _last_result(connection: Connection) -> CheckResult | None:
    """The outcome of the connection's last test, as remembered on it (None if never tested)."""
    if connection.last_tested_at is None:
        return None
    if connection.state_reason is None:
        return CheckResult(CheckOutcome.OK)
    # A reason written by a sync run rather than a test: say who has to act.
    fallback = (
        CheckOutcome.WRONG_CREDENTIALS
        if connection.state == connections.REAUTH_REQUIRED
        else CheckOutcome.MARKETPLACE_ERROR
    )
    return CheckResult(outcome_of(connection.state_reason) or fallback)


@router.get("/apps/{connection_id}/result")
def result(request: Request, connection_id: Id) -> Response:
    return _result_panel(request, connection_id, None)


@router.post("/apps/{connection_id}/test")
def test(request: Request, connection_id: Id) -> Response:
    _find(request, connection_id)
    outcome = check_connection(request, connection_id)
    if not _is_fragment(request):
        return RedirectResponse(f"/apps/{connection_id}/result", status_code=303)
    return _result_panel(request, connection_id, outcome, headers=REFRESH_LIST)


@router.get("/apps/{connection_id}/delete")
def confirm_delete(request: Request, connection_id: Id) -> Response:
    return _page(request, "delete", {"connection": _find(request, connection_id)})


@router.post("/apps/{connection_id}/delete")
def delete(request: Request, connection_id: Id) -> Response:
    state = request.app.state
    with state.database.session() as session:
        connections.delete_connection(
            session, state.clock, connection_id, user_id=current_identity(request).user_id
        )
    if _is_fragment(request):
        return _page(request, "deleted", {}, headers=REFRESH_LIST)
    return RedirectResponse("/apps", status_code=303)


@router.get("/apps/list")
def app_list(request: Request) -> Response:
    """The list alone, refreshed behind the panel after a change."""
    context = {"connections": _connections(request), "failed_installs": _failed_installs(request)}
    return render(request, "connections/list.html", context)
