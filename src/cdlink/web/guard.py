"""The access guard: one ASGI middleware in front of every route.

It decides, for every request, who is asking (a bearer API token, else the session cookie), turns
away anyone unauthenticated except on the few public paths, checks the CSRF token of every
state-changing request made with the cookie, and adds the security headers. Doing it here rather
than route by route means a new route is protected by default; a test enumerates the routes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
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
from cdlink.core.errors import StorageError
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
    client_address,
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


#: Zips of XML offer packages the marketplace downloads (``cdlink.hub.pricing.package_files``):
#: no login, the unguessable, expiring token in the path is the key.
PUBLIC_FILE_PREFIXES = ("/offer-packages/",)


def is_public(path: str) -> bool:
    return (
        path in PUBLIC_PATHS
        or path.startswith(PUBLIC_PREFIXES)
        or path.startswith(PUBLIC_FILE_PREFIXES)
    )


def is_static(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


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
        self.note_failed = _WarnOnce()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["client_address"] = self._client_address(request)
        browser_secret = request.cookies.get(CSRF_COOKIE) or ""
        fresh_secret = len(browser_secret) < 32
        if fresh_secret:
            browser_secret = new_browser_secret()
        session_token = self._session_token(request)
        state["csrf_token"] = self.context.signer.csrf_token(browser_secret, session_token)
        try:
            identity = await self._identify(request, session_token)
        except StorageError as error:
            await _storage_failed(request, error)(scope, receive, send)
            return
        state["identity"] = identity
        private = identity is not None and not is_static(scope["path"])
        send = self._decorated(send, browser_secret if fresh_secret else None, private=private)
        if identity is None and not is_public(scope["path"]):
            await self._unauthenticated(request)(scope, receive, send)
            return
        if request.method not in SAFE_METHODS and (identity is None or identity.via == "session"):
            receive, valid = await _csrf_check(
                request, receive, self.context, browser_secret, session_token
            )
            if not valid:
                await _csrf_rejected(request)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _client_address(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for", "")
        return client_address(peer, forwarded, self.context.settings.trusted_proxy_networks)

    def _session_token(self, request: Request) -> str:
        """The session cookie's token when its signature holds (the session may be over)."""
        cookie = request.cookies.get(SESSION_COOKIE)
        return (self.context.signer.unsign("session", cookie) if cookie else None) or ""

    async def _identify(self, request: Request, session_token: str) -> Identity | None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and request.url.path != "/metrics":
            return await run_in_threadpool(self._token_identity, authorization[7:].strip())
        if not session_token:
            return None
        return await run_in_threadpool(self._session_identity, session_token)

    def _session_identity(self, token: str) -> Identity | None:
        context = self.context
        now = context.clock.now()
        with context.database.reading() as session:
            user, stale = access.resume_session(session, token, now, context.idle)
            identity = _identity(user, "session")
        if stale:
            self._best_effort(
                "a session's last use", access.refresh_session, token, now, context.idle
            )
        return identity

    def _token_identity(self, secret: str) -> Identity | None:
        now = self.context.clock.now()
        with self.context.database.reading() as session:
            user, due = access.authenticate_api_token(session, secret, now)
            identity = _identity(user, "token")
        if due:
            self._best_effort("an API token's last use", access.mark_token_used, secret, now)
        return identity

    def _best_effort(self, what: str, write: Callable[..., None], *arguments: Any) -> None:
        """Record a last use; a database that refuses writes must not refuse the reader."""
        try:
            with self.context.database.session() as session:
                write(session, *arguments)
        except StorageError as error:
            self.note_failed(f"could not record {what}: {error}")

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

    def _decorated(self, send: Send, new_secret: str | None, *, private: bool) -> Send:
        secure = secure_cookies(self.context.settings)

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if private:
                    # Orders, customers' addresses, stock: no shared or browser cache keeps them.
                    headers["cache-control"] = "no-store"
                rotated = any(
                    cookie.startswith(f"{CSRF_COOKIE}=") for cookie in headers.getlist("set-cookie")
                )
                if new_secret is not None and not rotated:
                    headers.append("set-cookie", csrf_cookie(new_secret, secure=secure))
            await send(message)

        return decorated


def _identity(user: Any, via: str) -> Identity | None:
    if user is None:
        return None
    return Identity(user_id=user.id, email=user.email, is_admin=user.is_admin, via=via)  # type: ignore[arg-type]


class _WarnOnce:
    """Log a warning the first time, and at debug level after (one line, not one per request)."""

    def __init__(self) -> None:
        self.warned = False

    def __call__(self, message: str) -> None:
        log.log(logging.DEBUG if self.warned else logging.WARNING, message)
        self.warned = True


def csrf_cookie(value: str, *, secure: bool) -> str:
    """The Set-Cookie value of a browser's CSRF secret."""
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
    request: Request,
    receive: Receive,
    context: GuardContext,
    browser_secret: str,
    session_token: str,
) -> tuple[Receive, bool]:
    """Whether the request carries this browser's CSRF token of this session (header, or form
    field)."""
    given = request.headers.get(CSRF_HEADER, "")
    if given:
        return receive, context.signer.csrf_valid(browser_secret, given, session_token)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return receive, False
    body, replay = await _buffer(receive)
    if body is None:
        return replay, False
    fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
    given = (fields.get(CSRF_FIELD) or [""])[0]
    return replay, context.signer.csrf_valid(browser_secret, given, session_token)


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


def _storage_failed(request: Request, error: StorageError) -> Response:
    """The database cannot tell who is asking: 503 with what to do, not a traceback."""
    log.warning("request failed: %s", error, extra={"path": request.url.path})
    if is_api(request.url.path):
        return _problem(503, error.message, error.hint)
    return PlainTextResponse(
        "cdlink cannot use its database. / cdlink ne peut pas utiliser sa base de données.\n"
        f"{error.message}.\n{error.hint}\n",
        status_code=503,
    )


def _problem(status: int, title: str, hint: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps({"title": title, "status": status, "hint": hint}),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


__all__ = [
    "PUBLIC_FILE_PREFIXES",
    "AccessGuard",
    "GuardContext",
    "csrf_cookie",
    "is_public",
    "is_static",
    "secure_cookies",
]
