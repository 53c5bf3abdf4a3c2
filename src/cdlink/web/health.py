"""Liveness and metrics endpoints, for load balancers and Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cdlink import __version__
from cdlink.core.errors import StorageError
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.web.metrics import WebMetrics, may_read_metrics

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers; 503 with the reason otherwise."""
    database: Database = request.app.state.database
    try:
        await run_in_threadpool(database.ping)
        revision = await run_in_threadpool(migrate.current_revision, database)
    except StorageError as error:
        return JSONResponse(
            {"status": "unavailable", "database": error.message, "hint": error.hint},
            status_code=503,
        )
    return JSONResponse(
        {"status": "ok", "database": "ok", "schema": revision, "version": __version__}
    )


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
