"""The application factory: settings in, app out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cdlink import __version__
from cdlink.core.clock import Clock, SystemClock
from cdlink.core.errors import CdlinkError, ConfigurationError, StorageError
from cdlink.core.settings import Settings
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.store.engine import Database
from cdlink.web import health
from cdlink.web.metrics import WebMetrics

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, database: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the web app. A database passed in stays the caller's to dispose of."""
    owned = database is None
    database = database or Database(settings.effective_database_url)
    clock = clock or SystemClock()
    runtime = _embedded_runtime(settings, database, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("cdlink %s serving on %s", __version__, settings.base_url)
        if runtime is not None:
            runtime.start()
        try:
            yield
        finally:
            if runtime is not None:
                runtime.stop()
            if owned:
                database.dispose()

    app = FastAPI(
        title="cdlink",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.sync_runtime = runtime
    metrics = WebMetrics()
    app.state.metrics = metrics
    app.middleware("http")(metrics.middleware)
    app.add_exception_handler(CdlinkError, _problem)  # type: ignore[arg-type]
    app.include_router(health.router)
    return app


def _embedded_runtime(
    settings: Settings, database: Database, clock: Clock
) -> EmbeddedRuntime | None:
    """The scheduler and workers inside this process, unless they run elsewhere (or are off)."""
    if settings.runtime != "embedded" or not settings.sync_embedded_enabled:
        return None
    clients = in_process_clients(settings, clock)
    return EmbeddedRuntime(JobEnvironment(settings, database, clock, clients=clients))


async def _problem(request: Request, error: CdlinkError) -> JSONResponse:
    """A cdlink error as problem+json: what went wrong and what to do, never a stack trace."""
    status = 503 if isinstance(error, StorageError | ConfigurationError) else 500
    log.warning("request failed: %s", error, extra={"path": request.url.path})
    return JSONResponse(
        {"title": error.message, "status": status, "hint": error.hint},
        status_code=status,
        media_type="application/problem+json",
    )
