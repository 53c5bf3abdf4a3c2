"""How failures are answered: problem+json for the API, a page for people; never a traceback,
never the input back (a rejected body may hold a secret)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from cdlink.core.errors import CdlinkError, ConfigurationError, StorageError
from cdlink.core.translatable import translatable
from cdlink.hub.connections.accounts import InvalidConnectionError, UnknownConnectionError
from cdlink.hub.orders.actions import OrderActionError
from cdlink.hub.orders.import_filters import ImportFilterError
from cdlink.hub.orders.initial_imports import InitialImportError, UnknownInitialImportError
from cdlink.hub.orders.payment_methods import PaymentLabelError
from cdlink.hub.orders.queries import UnknownOrderError
from cdlink.hub.stock.csv_files import InvalidStockFileError, InvalidStockListError
from cdlink.hub.stock.inventory import InvalidStockError, UnknownProductError, UnknownWarehouseError
from cdlink.hub.stock.warehouses import (
    InvalidWarehouseError,
    WarehouseExistsError,
    WarehouseInUseError,
)
from cdlink.store.access import AccessError
from cdlink.store.idempotency import (
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)
from cdlink.sync.engine.quarantine import UnknownQuarantineEntryError
from cdlink.web.guard import is_api
from cdlink.web.i18n import gettext, request_language
from cdlink.web.orders.carriers import CarriersUnavailableError
from cdlink.web.templating import render

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    app.add_exception_handler(CdlinkError, _cdlink_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]


#: The HTTP status of each kind of cdlink error (the first match wins); anything else is a 500.
STATUSES: tuple[tuple[tuple[type[CdlinkError], ...], int], ...] = (
    ((UnknownConnectionError, AccessError, UnknownOrderError), 404),
    ((UnknownInitialImportError, UnknownQuarantineEntryError), 404),
    ((UnknownProductError, UnknownWarehouseError), 404),
    (
        (InvalidConnectionError, InvalidStockError, InvalidStockFileError, InvalidWarehouseError),
        422,
    ),
    ((InitialImportError, ImportFilterError, PaymentLabelError), 422),
    ((IdempotencyKeyReusedError, InvalidIdempotencyKeyError), 422),
    ((OrderActionError, WarehouseExistsError, WarehouseInUseError), 409),
    ((IdempotencyInProgressError,), 409),
    ((StorageError, ConfigurationError), 503),
    ((CarriersUnavailableError,), 503),
)


def status_of(error: CdlinkError) -> int:
    for kinds, status in STATUSES:
        if isinstance(error, kinds):
            return status
    return 500


def _is_api(request: Request) -> bool:
    return is_api(request.url.path)


def problem(status: int, title: str, hint: str, **extra: object) -> JSONResponse:
    return JSONResponse(
        {"title": title, "status": status, "hint": hint, **extra},
        status_code=status,
        media_type="application/problem+json",
    )


async def _cdlink_error(request: Request, error: CdlinkError) -> Response:
    """A cdlink error: what went wrong and what to do."""
    status = status_of(error)
    log.warning("request failed: %s", error, extra={"path": request.url.path})
    if _is_api(request):
        extra: dict[str, object] = {}
        if isinstance(error, InvalidConnectionError):
            extra["problems"] = [
                {"field": problem.field, "message": problem.message} for problem in error.problems
            ]
        if isinstance(error, InvalidStockFileError):
            extra["problems"] = stock_problems(error)
        return problem(status, error.message, error.hint, **extra)
    return _page(request, status, error.message, error.hint)


async def _invalid_request(request: Request, error: RequestValidationError) -> Response:
    problems = [
        {"field": ".".join(str(part) for part in item["loc"][1:]), "message": item["msg"]}
        for item in error.errors()
    ]
    if _is_api(request):
        return problem(
            422,
            "the request is not valid",
            "Correct the fields named in 'problems' (see /api/docs).",
            problems=problems,
        )
    return _page(
        request,
        422,
        translatable("the form is not valid"),
        translatable("Go back and check the fields."),
    )


async def _http_error(request: Request, error: HTTPException) -> Response:
    if _is_api(request):
        return problem(error.status_code, str(error.detail), "See /api/docs.")
    if error.status_code == 404:
        return _page(
            request, 404, translatable("page not found"), translatable("Use the menu on the left.")
        )
    return _page(
        request, error.status_code, str(error.detail), translatable("Go back and try again.")
    )


def _page(request: Request, status: int, message: str, hint: str) -> Response:
    language = request_language(request, request.app.state.settings)
    context = {
        "status": status,
        "message": gettext(language, message),
        "hint": gettext(language, hint),
    }
    return render(request, "error.html", context, status=status)


def stock_problems(error: InvalidStockFileError) -> list[dict[str, object]]:
    """Each bad line of a file (or item of a list), as the API reports them."""
    field = "item" if isinstance(error, InvalidStockListError) else "line"
    return [{field: problem.line, "message": problem.message} for problem in error.problems]
