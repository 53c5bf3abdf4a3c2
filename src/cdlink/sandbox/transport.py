"""httpx transports that serve the sandbox in-process, async and sync.

``SandboxASGITransport`` is httpx's ASGI transport plus one translation: a fault-injected drop
becomes ``httpx.ConnectError`` when the request never reached the API (a client may safely
resend a POST) or ``httpx.ReadError`` when it was processed and only the reply was lost.

``SyncSandboxTransport`` lets a synchronous ``httpx.Client`` use the app: it runs the async
transport on an event loop in a private daemon thread, stopped by ``close()`` (or when the
transport is garbage-collected).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import weakref
from typing import Any

import anyio
import httpx
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
    """The async in-process transport; it honours the client's read timeout."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app=_InProcess(app))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            with anyio.fail_after(timeout):
                return await super().handle_async_request(request)
        except TimeoutError as error:
            raise httpx.ReadTimeout(
                "sandbox: no answer within the read timeout", request=request
            ) from error
        except ConnectionDropped as drop:
            if drop.before_processing:
                raise httpx.ConnectError(
                    "sandbox: connection refused (injected)", request=request
                ) from drop
            raise httpx.ReadError(
                "sandbox: connection reset after the request was processed (injected)",
                request=request,
            ) from drop


class _EventLoopThread:
    """An asyncio loop running in a daemon thread, so a forgotten transport never blocks exit."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self._run, name="cdlink-sandbox-transport", daemon=True
        )
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class SyncSandboxTransport(httpx.BaseTransport):
    """The sync in-process transport, bridging to the async one on a private event loop.

    It honours the client's read timeout (raising ``httpx.ReadTimeout``), so a ``slow`` fault
    shows in process as it would over the network.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._transport = SandboxASGITransport(app)
        self._lock = threading.Lock()
        self._runner: _EventLoopThread | None = None
        self._finalizer: weakref.finalize[[], SyncSandboxTransport] | None = None

    def _ensure_runner(self) -> _EventLoopThread:
        with self._lock:
            if self._runner is None:
                self._runner = _EventLoopThread()
                self._finalizer = weakref.finalize(self, self._runner.stop)
            return self._runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        runner = self._ensure_runner()
        future = asyncio.run_coroutine_threadsafe(self._send(request, body), runner.loop)
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            status, headers, content, extensions = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as error:
            future.cancel()
            raise httpx.ReadTimeout(
                "sandbox: no answer within the read timeout", request=request
            ) from error
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
            finalizer, self._finalizer, self._runner = self._finalizer, None, None
        if finalizer is not None:
            finalizer()
