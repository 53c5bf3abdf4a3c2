"""httpx transports that serve the sandbox in-process, async and sync.

``SandboxASGITransport`` is httpx's ASGI transport plus one translation: a fault-injected drop
becomes ``httpx.ConnectError`` when the request never reached the API (a client may safely
resend a POST) or ``httpx.ReadError`` when it was processed and only the reply was lost.

``SyncSandboxTransport`` lets a synchronous ``httpx.Client`` use the app: it runs the async
transport on an event loop in a private thread (an anyio blocking portal), closed by ``close()``.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp, Receive, Scope, Send

from cdlink.sandbox.responses import ConnectionDropped


class _InProcess:
    """Marks the scope so the app knows a drop must surface as an exception."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = {**scope.get("extensions", {}), "cdlink.sandbox.in_process": True}
        await self.app({**scope, "extensions": extensions}, receive, send)


class SandboxASGITransport(httpx.ASGITransport):
    """The async in-process transport."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app=_InProcess(app))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except ConnectionDropped as drop:
            if drop.before_processing:
                raise httpx.ConnectError(
                    "sandbox: connection refused (injected)", request=request
                ) from drop
            raise httpx.ReadError(
                "sandbox: connection reset after the request was processed (injected)",
                request=request,
            ) from drop


class SyncSandboxTransport(httpx.BaseTransport):
    """The sync in-process transport, bridging to the async one on a private event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self._transport = SandboxASGITransport(app)
        self._lock = threading.Lock()
        self._portal_context: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None

    def _ensure_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_context = start_blocking_portal()
                self._portal = self._portal_context.__enter__()
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        portal = self._ensure_portal()
        status, headers, content, extensions = portal.call(self._send, request, body)
        return httpx.Response(
            status, headers=headers, content=content, request=request, extensions=extensions
        )

    async def _send(
        self, request: httpx.Request, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]]:
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await self._transport.handle_async_request(copy)
        content = await response.aread()
        return response.status_code, response.headers.raw, content, dict(response.extensions)

    def close(self) -> None:
        with self._lock:
            context, self._portal_context, self._portal = self._portal_context, None, None
        if context is not None:
            context.__exit__(None, None, None)
