"""How failures are answered: problem+json for the API, a page for people; never a traceback,
never the input back (a rejected body may hold a secret).

Every answer of the API that is not a success is a problem (``PROBLEM_SCHEMA``): ``title``,
``status``, ``hint`` (what to do), and where useful ``problems`` (each bad field, line or item)
or ``trace_id``. ``declare_errors`` writes them into the OpenAPI description of every operation.
An unexpected exception (a bug) is answered by ``UnexpectedErrors``: a 500 problem, or an error
page, carrying a random trace id that is also in the log line holding the traceback.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cdlink.core.errors import CdlinkError, ConfigurationError, StorageError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog.listing import NoConnectionError
from cdlink.hub.catalog.mappings import MappingError
from cdlink.hub.catalog.products import ProductError, ProductNotFoundError
from cdlink.hub.catalog.publishing import CatalogSettingsError
from cdlink.hub.connections.accounts import InvalidConnectionError, UnknownConnectionError
from cdlink.hub.customer_service.queries import UnknownDiscussionError
from cdlink.hub.customer_service.rules import CustomerServiceError
from cdlink.hub.customers.queries import UnknownCustomerError
from cdlink.hub.finance.invoices import InvoiceFileError
from cdlink.hub.finance.queries import FinanceQueryError, UnknownFinanceRecordError
from cdlink.hub.orders.actions import OrderActionError
from cdlink.hub.orders.carrier_mappings import CarrierMappingError
from cdlink.hub.orders.emails import EmailSettingsError
from cdlink.hub.orders.import_filters import ImportFilterError
from cdlink.hub.orders.initial_imports import InitialImportError, UnknownInitialImportError
from cdlink.hub.orders.notifications import NotificationError, NotificationSettingsError
from cdlink.hub.orders.payment_methods import PaymentLabelError
from cdlink.hub.orders.queries import UnknownOrderError
from cdlink.hub.orders.shipments import ShipmentError
from cdlink.hub.pricing.csv_files import PriceFileError
from cdlink.hub.pricing.promotion_rules import PromotionRuleError
from cdlink.hub.pricing.promotions import PromotionStateError, UnknownPromotionError
from cdlink.hub.pricing.rules import InvalidPriceError
from cdlink.hub.stock.csv_files import InvalidStockFileError, InvalidStockListError
from cdlink.hub.stock.inventory import InvalidStockError, UnknownProductError, UnknownWarehouseError
from cdlink.hub.stock.warehouses import (
    InvalidWarehouseError,
    WarehouseExistsError,
    WarehouseInUseError,
)
from cdlink.hub.webhooks.addresses import WebhookAddressError
from cdlink.hub.webhooks.subscriptions import UnknownWebhookError, WebhookError
from cdlink.store.access import AccessError
from cdlink.store.idempotency import (
    IdempotencyInProgressError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)
from cdlink.sync.engine.errors import UnknownStream
from cdlink.sync.engine.quarantine import UnknownQuarantineEntryError
from cdlink.web.guard import is_api
from cdlink.web.i18n import gettext, request_language
from cdlink.web.orders.carriers import CarriersUnavailableError
from cdlink.web.roles import FORBIDDEN
from cdlink.web.templating import render

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    """The handlers, the catch-all (call this after adding the other middleware, so it wraps
    them all) and the error answers in the OpenAPI description."""
    app.add_exception_handler(CdlinkError, _cdlink_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _unstorable)  # type: ignore[arg-type]
    app.add_middleware(UnexpectedErrors)
    app.openapi = _described(app, app.openapi)  # type: ignore[method-assign]


#: The HTTP status of each kind of cdlink error (the first match wins); anything else is a 500.
STATUSES: tuple[tuple[tuple[type[CdlinkError], ...], int], ...] = (
    ((UnknownConnectionError, AccessError, UnknownOrderError, NotificationError), 404),
    ((UnknownWebhookError,), 404),
    ((UnknownInitialImportError, UnknownQuarantineEntryError), 404),
    ((UnknownProductError, UnknownWarehouseError), 404),
    ((UnknownDiscussionError,), 404),
    ((UnknownFinanceRecordError,), 404),
    ((InvoiceFileError, FinanceQueryError), 422),
    ((UnknownCustomerError,), 404),
    ((CustomerServiceError,), 422),
    (
        (InvalidConnectionError, InvalidStockError, InvalidStockFileError, InvalidWarehouseError),
        422,
    ),
    ((InitialImportError, ImportFilterError, PaymentLabelError), 422),
    ((IdempotencyKeyReusedError, InvalidIdempotencyKeyError), 422),
    ((ShipmentError, CarrierMappingError), 422),
    ((OrderActionError, WarehouseExistsError, WarehouseInUseError), 409),
    ((IdempotencyInProgressError,), 409),
    ((StorageError, ConfigurationError), 503),
    ((CarriersUnavailableError,), 503),
    ((ProductNotFoundError,), 404),
    ((ProductError, MappingError, CatalogSettingsError, NoConnectionError), 422),
    ((UnknownPromotionError,), 404),
    ((InvalidPriceError, PromotionRuleError), 422),
    ((PromotionStateError,), 409),
    ((NotificationSettingsError, EmailSettingsError), 422),
    ((WebhookError, WebhookAddressError), 422),
    ((UnknownStream,), 404),
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
        if isinstance(error, PriceFileError):
            extra["problems"] = [
                {"line": number, "message": message} for number, message in error.lines
            ]
        if isinstance(error, CustomerServiceError):
            extra["rule"] = error.rule
        if isinstance(error, MappingError) and error.subject:
            extra["problems"] = [{"field": error.subject, "message": error.message}]
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


async def _unstorable(request: Request, error: DataError) -> Response:
    """A value the database refused (a NUL character or a number beyond a column on PostgreSQL)
    that no check caught first: the input's fault, so a 422, not a 500."""
    log.warning("the database refused a value: %s", error.orig, extra={"path": request.url.path})
    title = translatable("a value cannot be stored")
    hint = translatable(
        "Remove control characters (such as NUL) and keep numbers and texts within their limits."
    )
    if _is_api(request):
        return problem(422, title, hint)
    return _page(request, 422, title, hint)


async def _http_error(request: Request, error: HTTPException) -> Response:
    if _is_api(request):
        return problem(error.status_code, str(error.detail), "See /api/docs.")
    if error.status_code == 404:
        return _page(
            request, 404, translatable("page not found"), translatable("Use the menu on the left.")
        )
    if error.status_code == 403 and error.detail == FORBIDDEN:
        return _page(request, 403, str(error.detail), FORBIDDEN_HINT)
    return _page(
        request, error.status_code, str(error.detail), translatable("Go back and try again.")
    )


#: What a person below the needed role reads under the refusal: the role it takes.
FORBIDDEN_HINT = translatable(
    "This needs the administrator role; your account has the member role. An administrator "
    "can do it for you."
)


def _page(
    request: Request, status: int, message: str, hint: str, *, trace_id: str | None = None
) -> Response:
    language = request_language(request, request.app.state.settings)
    context = {
        "status": status,
        "message": gettext(language, message),
        "hint": gettext(language, hint),
        "trace_id": trace_id,
    }
    return render(request, "error.html", context, status=status)


def stock_problems(error: InvalidStockFileError) -> list[dict[str, object]]:
    """Each bad line of a file (or item of a list), as the API reports them."""
    field = "item" if isinstance(error, InvalidStockListError) else "line"
    return [{field: problem.line, "message": problem.message} for problem in error.problems]


class UnexpectedErrors:
    """Any exception no handler took: logged with its traceback and a trace id, answered with a
    500 problem (API) or an error page, both naming the trace id.

    A middleware rather than an ``Exception`` handler: Starlette runs those in its outermost
    ``ServerErrorMiddleware``, which re-raises after answering, so the server would log the
    traceback a second time without the trace id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:  # too late to answer: let the server close the connection
                raise
            trace_id = secrets.token_hex(8)
            request = Request(scope)
            log.exception(
                "unexpected error (trace id %s)",
                trace_id,
                extra={"path": request.url.path, "trace_id": trace_id},
            )
            response = _unexpected(request, trace_id)
            await response(scope, receive, send)


def _unexpected(request: Request, trace_id: str) -> Response:
    hint = translatable(
        "Try again later; if it keeps failing, report the trace id to your administrator."
    )
    if _is_api(request):
        return problem(500, "internal error", hint, trace_id=trace_id)
    try:
        return _page(
            request,
            500,
            translatable("something went wrong on our side"),
            hint,
            trace_id=trace_id,
        )
    except Exception:  # the page itself failed: say it plainly
        log.exception("the error page failed (trace id %s)", trace_id)
        return PlainTextResponse(f"Internal error. Trace id: {trace_id}\n", status_code=500)


#: The body of every error answer of the API.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "What went wrong and what to do (application/problem+json).",
    "required": ["title", "status", "hint"],
    "properties": {
        "title": {"type": "string", "description": "What went wrong."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "hint": {"type": "string", "description": "What to do about it."},
        "problems": {
            "type": "array",
            "description": "Each bad field (``field``), file line (``line``) or list item "
            "(``item``) with its ``message``.",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "field": {"type": "string"},
                    "line": {"type": "integer"},
                    "item": {"type": "integer"},
                    "message": {"type": "string"},
                },
            },
        },
        "trace_id": {
            "type": "string",
            "description": "For a 500: the id of the log line that holds the details.",
        },
    },
}

#: The error answers every operation declares, and those only some do.
_EVERY_OPERATION = {
    401: "No API token, or one revoked or expired.",
    403: "The token's user may not do this, or a browser call without its CSRF token.",
    422: "A parameter or the body is not valid: ``problems`` names each field.",
    500: "An unexpected error: ``trace_id`` names it in the server's log.",
    503: "The database is unreachable, or the marketplace's data is not available yet.",
}
_WITH_PATH_ID = {404: "Nothing has that id (or it was deleted)."}
_WRITES = {
    400: "The body cannot be read (a broken upload).",
    409: "The change conflicts with the current state (see ``hint``).",
}


def _described(app: FastAPI, openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_errors(openapi())
        return app.openapi_schema

    return described


def _names_a_record(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether a required query parameter or body field names a record (``connection_id``):
    404 if unknown."""
    in_query = any(
        parameter.get("in") == "query"
        and parameter.get("required")
        and str(parameter.get("name", "")).endswith("_id")
        for parameter in operation.get("parameters", [])
    )
    return in_query or any(
        name.endswith("_id") for name in _required_body_fields(operation, components)
    )


def _required_body_fields(operation: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """The required fields of an operation's JSON body (its schema referred to by name)."""
    content = operation.get("requestBody", {}).get("content", {})
    reference = str(content.get("application/json", {}).get("schema", {}).get("$ref", ""))
    body = components.get(reference.rsplit("/", 1)[-1], {}) if reference else {}
    return [str(name) for name in body.get("required", [])]


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the problem answers of every ``/api/v1`` operation, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        if not is_api(path):
            continue
        for method, operation in operations.items():
            declared = dict(_EVERY_OPERATION)
            if "{" in path or _names_a_record(operation, components):
                declared.update(_WITH_PATH_ID)
            if method in {"post", "put", "patch", "delete"}:
                declared.update(_WRITES)
            answers = operation.setdefault("responses", {})
            for status, description in declared.items():
                answers[str(status)] = {
                    "description": description,
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        # FastAPI's own 422 schemas, no longer referred to: ours replaced them
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema
