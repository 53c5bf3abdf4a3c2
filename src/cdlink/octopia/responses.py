"""The one place where an HTTP answer of the marketplace becomes a value or an exception.

``error_for_response`` decides which ``OctopiaError`` a failed answer is; every quirk of the API
(Keycloak error bodies on the token endpoint, Kong's 404 for unknown paths, 429 without a
``Retry-After``) is handled here, with a comment, and nowhere else. ``json_body`` decodes a
successful answer or raises ``MalformedResponse``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from cdlink.octopia.errors import (
    ApiError,
    AuthError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
)
from cdlink.octopia.problems import Problem
from cdlink.octopia.retry import retry_after_seconds

# Trace ids when the body has none: W3C trace context, then the usual gateway request ids.
TRACE_HEADERS = ("traceparent", "x-trace-id", "x-request-id", "x-kong-request-id", "request-id")

# Keycloak errors that mean "these credentials are not accepted" (as opposed to a request cdlink
# built wrongly, such as ``unsupported_grant_type`` or ``invalid_request``).
REJECTED_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"}
)

_STATUS_ERRORS: Mapping[int, type[ApiError]] = {
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_for_response(
    response: httpx.Response, *, token_endpoint: bool = False, now: datetime | None = None
) -> ApiError:
    """The exception that a failed (non-2xx) ``response`` stands for.

    ``token_endpoint`` says the answer came from the OAuth token endpoint, where 400 and 401 mean
    the credentials were refused. ``now`` reads an HTTP-date ``Retry-After``.
    """
    problem = parse_problem(response)
    status = response.status_code
    context = _context(response, problem)
    message = _message(status, problem)
    if token_endpoint and _credentials_refused(status, problem):
        return CredentialsRejected(
            f"the token endpoint refused the credentials: {message}", **context
        )
    if status == 429:
        # Octopia documents no Retry-After; when it is missing the retry policy picks the delay.
        retry_after = retry_after_seconds(response.headers, now)
        return RateLimited(message, retry_after=retry_after, **context)
    if status in _STATUS_ERRORS:
        # A 404 may come from Kong for a wrong path ({"message": "no Route matched…"}) rather
        # than from the API; both mean "nothing there", and the message keeps Kong's words.
        return _STATUS_ERRORS[status](message, **context)
    if status >= 500:
        return ServerError(message, **context)
    if status >= 400:
        return InvalidRequest(message, **context)
    return ApiError(f"unexpected answer: {message}", **context)


def _context(response: httpx.Response, problem: Problem) -> dict[str, Any]:
    """What every error of ``response`` carries: status, problem, headers, trace id, call."""
    return {
        "status": response.status_code,
        "problem": problem,
        "headers": dict(response.headers),
        "trace_id": problem.trace_id or _trace_header(response.headers),
        "method": response.request.method,
        "path": response.request.url.path,
    }


def parse_problem(response: httpx.Response) -> Problem:
    """The error body of ``response`` as a ``Problem`` (empty when there is no body)."""
    content = response.read()
    if not content.strip():
        return Problem()
    try:
        return Problem.from_body(json.loads(content))
    except ValueError:
        return Problem.from_text(content.decode("utf-8", errors="replace"))


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON of a successful ``response``, or ``MalformedResponse``.

    Numbers with a fraction are decoded as ``Decimal``, so an amount keeps every digit it was
    sent with (a float would round 12345678.123456789).
    """
    try:
        return json.loads(response.read(), parse_float=Decimal)
    except ValueError as error:
        raise MalformedResponse(
            f"the answer is not valid JSON ({error.__class__.__name__}: {error})",
            status=response.status_code,
            headers=dict(response.headers),
            trace_id=_trace_header(response.headers),
            method=response.request.method,
            path=response.request.url.path,
        ) from None


def malformed(response: httpx.Response, reason: str) -> MalformedResponse:
    """A ``MalformedResponse`` for a decoded answer whose content is not what was expected."""
    return MalformedResponse(
        f"the answer cannot be read: {reason}",
        status=response.status_code,
        headers=dict(response.headers),
        trace_id=_trace_header(response.headers),
        method=response.request.method,
        path=response.request.url.path,
    )


def trace_id_of(response: httpx.Response) -> str | None:
    """The trace id the server gave ``response`` in its headers, if any (for logs)."""
    return _trace_header(response.headers)


def _credentials_refused(status: int, problem: Problem) -> bool:
    if problem.error is not None:
        return problem.error in REJECTED_CREDENTIAL_ERRORS
    # Octopia documents problem+json 400/401 for its token endpoint: both mean refused.
    return status in (400, 401)


def _message(status: int, problem: Problem) -> str:
    reason = httpx.codes.get_reason_phrase(status) or "error"
    summary = problem.summary()
    return f"HTTP {status} {reason}" + (f": {summary}" if summary else "")


def _trace_header(headers: httpx.Headers) -> str | None:
    for name in TRACE_HEADERS:
        if value := headers.get(name):
            return str(value)
    return None
