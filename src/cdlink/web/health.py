"""Liveness and metrics endpoints, for load balancers and Prometheus.

``/healthz`` answers, in its ``status`` field and HTTP status:

- ``ok`` (200): the database answers, its schema is current and a write commits; Redis answers
  when the runtime is distributed.
- ``degraded`` (503): the database answers reads but refuses writes (read-only file or
  transaction, full disk): take this instance out of rotation, since every change would fail.
- ``degraded`` (200): only Redis is unreachable (distributed runtime): pages and API still work,
  the sync waits for Redis; monitoring reads ``redis`` to alert.
- ``unavailable`` (503): the database cannot be reached or its schema is not current.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cdlink import __version__
from cdlink.core.errors import CdlinkError, StorageError
from cdlink.core.settings import Settings
from cdlink.jobs.redis_faults import RedisProbe
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.web.metrics import WebMetrics, may_read_metrics

log = logging.getLogger(__name__)
router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> JSONResponse:
    """The instance's health, as the module docstring lists."""
    database: Database = request.app.state.database
    try:
        await run_in_threadpool(database.ping)
        revision = await run_in_threadpool(migrate.current_revision, database)
    except StorageError as error:
        return JSONResponse(
            {"status": "unavailable", "database": error.message, "hint": error.hint},
            status_code=503,
        )
    body: dict[str, Any] = {"status": "ok", "database": "ok", "schema": revision}
    status_code = 200
    try:
        await run_in_threadpool(database.probe_write)
    except StorageError as error:
        log.warning("health check: %s", error)
        body.update(status="degraded", database=error.message, hint=error.hint)
        status_code = 503
    redis_problem = await _redis_problem(request)
    if redis_problem is not None:
        body.update(status="degraded", redis=redis_problem.message)
        body.setdefault("hint", redis_problem.hint)
    elif _distributed(request.app.state.settings):
        body["redis"] = "ok"
    body["version"] = __version__
    return JSONResponse(body, status_code=status_code)


def _distributed(settings: Settings) -> bool:
    return settings.runtime == "distributed"


async def _redis_problem(request: Request) -> CdlinkError | None:
    """Why Redis does not answer (distributed runtime only), or None."""
    settings: Settings = request.app.state.settings
    if not _distributed(settings):
        return None
    probe: RedisProbe | None = getattr(request.app.state, "redis_probe", None)
    if probe is None:
        probe = request.app.state.redis_probe = RedisProbe(settings.redis_url)
    try:
        await run_in_threadpool(probe.ping)
    except CdlinkError as error:
        return error
    return None


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not may_read_metrics(request, request.app.state.settings):
        return Response(
            "metrics are readable from this machine or with the metrics token\n",
            status_code=403,
            media_type="text/plain",
        )
    collector: WebMetrics = request.app.state.metrics
    return collector.render()
