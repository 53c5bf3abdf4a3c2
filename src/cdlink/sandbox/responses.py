"""HTTP answers shaped like the real gateway's: JSON with Kong's headers, problem+json errors,
Kong's own 404 for unknown paths, Keycloak's token answers, and the dropped connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from cdlink.sandbox.serialize import dumps

JSON = "application/json; charset=utf-8"
PROBLEM = "application/problem+json; charset=utf-8"
GATEWAY_HEADERS = {
    "Via": "kong/3.3.1.0-enterprise-edition",
    "X-Kong-Upstream-Latency": "3",
    "X-Kong-Proxy-Latency": "0",
    "Request-Context": "appId=cid-v1:cdlink-sandbox",
}
KEYCLOAK_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Set-Cookie": (
        "KC_RESTART=; expires=Thu, 01-Jan-1970 00:00:10 GMT; max-age=0; version=1; "
        "path=/auth/realms/maas/; HttpOnly; secure"
    ),
}
TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RFC_SECTIONS = {
    400: "name-400-bad-request",
    401: "name-401-unauthorized",
    403: "name-403-forbidden",
    404: "name-404-not-found",
    405: "name-405-method-not-allowed",
    409: "name-409-conflict",
    415: "name-415-unsupported-media-type",
    422: "name-422-unprocessable-content",
    429: "section-4",
    500: "name-500-internal-server-error",
    502: "name-502-bad-gateway",
    503: "name-503-service-unavailable",
    504: "name-504-gateway-timeout",
}


class ApiError(Exception):
    """Raised by a handler to answer a problem+json error."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})


class ConnectionDropped(Exception):  # noqa: N818  (an event, like httpx's ReadError)
    """The sandbox drops the connection; ``before_processing`` says whether state changed."""

    def __init__(self, before_processing: bool) -> None:
        super().__init__("connection dropped by fault injection")
        self.before_processing = before_processing


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return raw_json(dumps(body), status, headers)


def raw_json(data: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(data, status, {**GATEWAY_HEADERS, **(headers or {})}, media_type=JSON)


def empty(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(b"", status, {**GATEWAY_HEADERS, **(headers or {})})


def problem(problem: ApiError, path: str, trace_id: str) -> Response:
    rfc = RFC_SECTIONS.get(problem.status, "section-15")
    body: dict[str, Any] = {
        "type": f"https://datatracker.ietf.org/doc/html/rfc9110#{rfc}",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "instance": path,
        "traceId": trace_id,
    }
    if problem.errors:
        body["errors"] = problem.errors
    headers = {**GATEWAY_HEADERS, **problem.headers}
    return Response(dumps(body), problem.status, headers, media_type=PROBLEM)


def kong_not_found() -> Response:
    """An unknown path never reaches the API: Kong answers with its own body."""
    body = b'{"message":"no Route matched with those values"}'
    return Response(body, 404, {"Server": "kong/3.3.1.0-enterprise-edition"}, JSON)


def token_response(body: Mapping[str, Any], status: int = 200) -> Response:
    return Response(dumps(dict(body)), status, KEYCLOAK_HEADERS, media_type="application/json")


class DroppedResponse(Response):
    """Starts an answer, then raises ``ConnectionDropped`` so the connection dies mid-reply."""

    def __init__(self, before_processing: bool) -> None:
        super().__init__(b"")
        self.before_processing = before_processing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", JSON.encode()), (b"content-length", b"1024")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"items":[', "more_body": True})
        raise ConnectionDropped(self.before_processing)
