"""Logging in and out, the first-run setup page, and the language picker."""

from __future__ import annotations

from datetime import timedelta
from math import ceil
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cdlink.core.settings import Settings
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.store.models import User
from cdlink.store.users import (
    UserError,
    authenticate,
    create_user,
    has_users_locked,
    normalize_email,
    user_count,
)
from cdlink.web.guard import csrf_cookie, secure_cookies
from cdlink.web.i18n import LANGUAGES, gettext, request_language
from cdlink.web.identity import Identity
from cdlink.web.security import LANGUAGE_COOKIE, SESSION_COOKIE, Signer, new_browser_secret
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form()]


def safe_next(target: str) -> str:
    """Only a path on this site: never ``//host`` or ``https://elsewhere``."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def throttle_policy(settings: Settings) -> access.ThrottlePolicy:
    return access.ThrottlePolicy(
        failures_per_account=settings.login_failures_per_account,
        failures_per_address=settings.login_failures_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
        max_delay=timedelta(minutes=settings.login_max_delay_minutes),
    )


def client_address(request: Request) -> str:
    """The address the access guard found (X-Forwarded-For only from trusted proxies)."""
    found: str | None = getattr(request.state, "client_address", None)
    return found or (request.client.host if request.client else "unknown")


def _no_user_yet(database: Database) -> bool:
    with database.reading() as session:
        return user_count(session) == 0


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if getattr(request.state, "identity", None) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    if _no_user_yet(request.app.state.database):
        return RedirectResponse("/setup", status_code=303)
    return render(request, "access/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    email: FormText = "",
    password: FormText = "",
    next: FormText = "/",
) -> Response:
    settings: Settings = request.app.state.settings
    database: Database = request.app.state.database
    language = request_language(request, settings)
    account, address = email.strip().lower()[:254], client_address(request)
    policy, now = throttle_policy(settings), request.app.state.clock.now()
    with database.session() as session:
        blocked_until = access.login_blocked_until(session, policy, account, address, now)
        if blocked_until is None:
            user = authenticate(session, account, password)
            access.record_login_attempt(
                session, policy, account, address, now, succeeded=user is not None
            )
            token = access.open_session(session, user, now, _lifetime(settings)) if user else None
    if blocked_until is not None:
        return _login_again(
            request, email, next, _wait_message(language, blocked_until - now), status=429
        )
    if token is None:
        message = gettext(language, "Wrong e-mail address or password.")
        return _login_again(request, email, next, message, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, token)
    return response


def _wait_message(language: str, wait: timedelta) -> str:
    seconds = max(1, ceil(wait.total_seconds()))
    if seconds < 60:
        message = gettext(language, "Too many failed attempts. Try again in %(seconds)d seconds.")
        return message % {"seconds": seconds}
    message = gettext(language, "Too many failed attempts. Try again in %(minutes)d minutes.")
    return message % {"minutes": ceil(seconds / 60)}


def _login_again(request: Request, email: str, next: str, error: str, *, status: int) -> Response:
    context = {"next": safe_next(next), "email": email, "error": error}
    return render(request, "access/login.html", context, status=status)


def _lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.session_max_days)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The new session's cookie, and a new CSRF secret: no token from before login stays valid."""
    settings: Settings = request.app.state.settings
    signer: Signer = request.app.state.signer
    response.set_cookie(
        SESSION_COOKIE,
        signer.sign("session", token),
        max_age=int(_lifetime(settings).total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )
    rotate_csrf_secret(response, settings)


def rotate_csrf_secret(response: Response, settings: Settings) -> None:
    response.headers.append(
        "set-cookie", csrf_cookie(new_browser_secret(), secure=secure_cookies(settings))
    )


@router.post("/logout")
def logout(request: Request) -> Response:
    signer: Signer = request.app.state.signer
    cookie = request.cookies.get(SESSION_COOKIE, "")
    token = signer.unsign("session", cookie) if cookie else None
    if token:
        with request.app.state.database.session() as session:
            access.close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    rotate_csrf_secret(response, request.app.state.settings)
    return response


@router.get("/setup")
def setup_page(request: Request) -> Response:
    if not _no_user_yet(request.app.state.database):
        return RedirectResponse("/login", status_code=303)
    return render(request, "access/setup.html", {"email": ""})


@router.post("/setup")
def setup(
    request: Request, email: FormText = "", password: FormText = "", confirmation: FormText = ""
) -> Response:
    settings: Settings = request.app.state.settings
    language = request_language(request, settings)
    now = request.app.state.clock.now()
    if password != confirmation:
        error = gettext(language, "The two passwords differ.")
        return render(request, "access/setup.html", {"email": email, "error": error}, status=400)
    with request.app.state.database.session() as session:
        # Checked inside the transaction that creates the account: only one setup can win.
        if has_users_locked(session):
            return RedirectResponse("/login", status_code=303)
        try:
            user = create_user(
                session, request.app.state.clock, normalize_email(email), password, is_admin=True
            )
        except UserError as error:
            message = _user_error(language, error)
            return render(
                request, "access/setup.html", {"email": email, "error": message}, status=400
            )
        token = access.open_session(session, user, now, _lifetime(settings))
    response = RedirectResponse("/apps", status_code=303)
    set_session_cookie(response, request, token)
    return response


def _user_error(language: str, error: UserError) -> str:
    if "password" in error.message:
        return gettext(language, "Choose a password of at least 10 characters.")
    return gettext(language, "Enter a valid e-mail address.")


@router.post("/language")
def choose_language(
    request: Request,
    language: FormText = "",
    next: FormText = "/",
) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if language not in LANGUAGES:
        return response
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=60 * 60 * 24 * 365,
        path="/",
        samesite="lax",
        secure=secure_cookies(request.app.state.settings),
    )
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is not None:
        _remember_language(request.app.state.database, identity.user_id, language)
    return response


def _remember_language(database: Database, user_id: int, language: str) -> None:
    with database.session() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.locale = language
