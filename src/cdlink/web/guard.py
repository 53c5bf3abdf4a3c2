"""The access guard: one ASGI middleware in front of every route.

It decides, for every request, who is asking (a bearer API token, else the session cookie), turns
away anyone unauthenticated except on the few public paths, checks the CSRF token of every
state-changing request made with the cookie, and adds the security headers. Doing it here rather
than route by route means a new route is protected by default; a test enumerates the routes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cdlink.core.clock import Clock
from cdlink.core.settings import Settings
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.web.identity import Identity
from cdlink.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    Signer,
    new_browser_secret,
)

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/login", "/setup", "/language", "/healthz", "/metrics"})
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAXIMUM_FORM_BYTES = 1_000_000
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
}


def is_api(path: str) -> bool:
    """Paths answered in JSON for programs (the API documentation page is for people)."""
    return path.startswith("/api/") and path != "/api/docs"


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def secure_cookies(settings: Settings) -> bool:
    """Cookies carry the Secure flag when cdlink is reached over https."""
    return settings.base_url.lower().startswith("https://")


@dataclass(frozen=True)
class GuardContext:
    settings: Settings
    database: Database
    clock: Clock
    signer: Signer

    @property
    def idle(self) -> timedelta:
        return timedelta(hours=self.settings.session_idle_hours)


class AccessGuard:
    """ASGI middleware: authentication, CSRF and security headers for the whole app."""

    def __init__(self, app: ASGIApp, context: GuardContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        browser_secret = request.cookies.get(CSRF_COOKIE) or ""
        fresh_secret = len(browser_secret) < 32
        if fresh_secret:
            browser_secret = new_browser_secret()
        state["csrf_token"] = self.context.signer.csrf_token(browser_secret)
        identity = await self._identify(request)
        state["identity"] = identity
        send = self._decorated(send, browser_secret if fresh_secret else None)
        if identity is None and not is_public(scope["path"]):
            await self._unauthenticated(request)(scope, receive, send)
            return
        if request.method not in SAFE_METHODS and (identity is None or identity.via == "session"):
            receive, valid = await _csrf_check(request, receive, self.context, browser_secret)
            if not valid:
                await _csrf_rejected(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _identify(self, request: Request) -> Identity | None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and request.url.path != "/metrics":
            return await run_in_threadpool(self._token_identity, authorization[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        token = self.context.signer.unsign("session", cookie) if cookie else None
        if token is None:
            return None
        return await run_in_threadpool(self._session_identity, token)

    def _session_identity(self, token: str) -> Identity | None:
        context = self.context
        now = context.clock.now()
        with context.database.reading() as session:
            user, stale = access.resume_session(session, token, now, context.idle)
            identity = _identity(user, "session")
        if stale:
            with context.database.session() as session:
                access.refresh_session(session, token, now, context.idle)
        return identity

    def _token_identity(self, secret: str) -> Identity | None:
        now = self.context.clock.now()
        with self.context.database.reading() as session:
            user, due = access.authenticate_api_token(session, secret, now)
            identity = _identity(user, "token")
        if due:
            with self.context.database.session() as session:
                access.mark_token_used(session, secret, now)
        return identity

    def _unauthenticated(self, request: Request) -> Response:
        path = request.url.path
        if is_api(path):
            return _problem(
                401,
                "authentication required",
                "Send 'Authorization: Bearer <token>' "
                "with a personal API token (Settings → API tokens).",
                headers={"www-authenticate": "Bearer"},
            )
        target = path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target, safe='')}" if target != "/" else "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"hx-redirect": login})
        return RedirectResponse(login, status_code=303)

    def _decorated(self, send: Send, new_secret: str | None) -> Send:
        secure = secure_cookies(self.context.settings)

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if new_secret is not None:
                    headers.append("set-cookie", _csrf_cookie(new_secret, secure=secure))
            await send(message)

        return decorated


def _identity(user: Any, via: str) -> Identity | None:
    if user is None:
        return None
    return Identity(user_id=user.id, email=user.email, is_admin=user.is_admin, via=via)  # type: ignore[arg-type]


def _csrf_cookie(value: str, *, secure: bool) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[CSRF_COOKIE] = value
    morsel = cookie[CSRF_COOKIE]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["max-age"] = str(60 * 60 * 24 * 365)
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


async def _csrf_check(
    request: Request, receive: Receive, context: GuardContext, browser_secret: str
) -> tuple[Receive, bool]:
    """Whether the request carries this browser's CSRF token (header, or form field)."""
    given = request.headers.get(CSRF_HEADER, "")
    if given:
        return receive, context.signer.csrf_valid(browser_secret, given)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return receive, False
    body, replay = await _buffer(receive)
    if body is None:
        return replay, False
    fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
    given = (fields.get(CSRF_FIELD) or [""])[0]
    return replay, context.signer.csrf_valid(browser_secret, given)


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read the whole body (None past the size limit) and a receive that plays it again."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAXIMUM_FORM_BYTES:
            return None, receive
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _csrf_rejected(request: Request) -> Response:
    log.warning("CSRF check failed", extra={"path": request.url.path})
    if is_api(request.url.path):
        return _problem(
            403,
            "CSRF token missing or wrong",
            "Call the API with an API token "
            "(Authorization: Bearer …), or send the page's X-CSRF-Token header.",
        )
    return PlainTextResponse(
        "This form has expired or did not come from cdlink. Go back, reload the page and try "
        "again.\nCe formulaire a expiré ou ne vient pas de cdlink. Revenez en arrière, "
        "rechargez la page et recommencez.\n",
        status_code=403,
    )


def _problem(status: int, title: str, hint: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps({"title": title, "status": status, "hint": hint}),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


__all__ = ["AccessGuard", "GuardContext", "is_public", "secure_cookies"]
