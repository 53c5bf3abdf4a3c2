"""Sending one marketplace call: budget, auth, retries, logging and error mapping, in that order.

``Requester.send`` is the plain loop every service call goes through::

    acquire budget → send (the auth flow adds the token, renews it once on 401)
      → observe the answer in the budget → 2xx: done
      → retryable (RetryPolicy)? sleep, go again : raise the mapped OctopiaError

Each attempt is logged at DEBUG with method, path, status, duration and traceId, never a
header or a body (they hold the token and personal data).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from cdlink.core.clock import Clock
from cdlink.octopia.budget import Budget
from cdlink.octopia.errors import MalformedResponse, RateLimited, TransportError
from cdlink.octopia.responses import error_for_response, parse_problem, trace_id_of
from cdlink.octopia.retry import RetryPolicy, is_idempotent, never_sent, retry_after_seconds

logger = logging.getLogger("cdlink.octopia")

TOKEN_GROUP = "token"  # noqa: S105  (a budget group name, not a secret)


@dataclasses.dataclass(frozen=True)
class Call:
    """One API call: what to send, which budget group pays for it, and whether it may repeat."""

    method: str
    path: str
    group: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    files: Any = None
    """Multipart files, as httpx takes them (``{"file": (name, bytes, content_type)}``)."""
    headers: Mapping[str, str] | None = None
    idempotent: bool | None = None
    """Overrides the method's default (GET/PUT/DELETE yes, POST/PATCH no)."""

    @property
    def repeatable(self) -> bool:
        return self.idempotent if self.idempotent is not None else is_idempotent(self.method)


class Requester:
    """Sends calls for one seller through one ``httpx.Client``."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        seller_id: str,
        budget: Budget,
        retry: RetryPolicy,
        clock: Clock,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.http = http
        self.seller_id = seller_id
        self.budget = budget
        self.retry = retry
        self.clock = clock
        self.auth = auth

    @property
    def api_url(self) -> httpx.URL:
        return self.http.base_url

    def send(self, call: Call) -> httpx.Response:
        """Send ``call`` with retries; return the successful answer or raise an OctopiaError."""
        request = self.http.build_request(
            call.method,
            call.path,
            params=_params(call.params),
            json=call.json,
            files=call.files,
            headers=call.headers,
        )
        response = self.exchange(request, group=call.group, idempotent=call.repeatable)
        if not response.is_success:
            raise error_for_response(response, now=self.clock.now())
        return response

    def send_token_request(self, url: str, form: Mapping[str, str]) -> httpx.Response:
        """POST a token request (retried like an idempotent call) and return the final answer."""
        request = self.http.build_request(
            "POST", url, data=dict(form), headers={"Accept": "application/json"}
        )
        # The token endpoint is another service: it gets neither the seller nor the bearer.
        request.headers.pop("SellerId", None)
        return self.exchange(request, group=None, idempotent=True, authenticate=False)

    def exchange(
        self,
        request: httpx.Request,
        *,
        group: str | None,
        idempotent: bool,
        authenticate: bool = True,
    ) -> httpx.Response:
        """The retry loop: return the last answer (maybe an error status) or raise on transport."""
        attempt = 0
        while True:
            if group is not None:
                self.budget.acquire(self.seller_id, group)
            response = self._attempt(request, idempotent, attempt, authenticate=authenticate)
            if response is None:
                attempt += 1
                continue
            if group is not None:
                self.budget.observe(self.seller_id, group, response)
            if not self._pause_before_retry(response, idempotent, attempt):
                return response
            attempt += 1

    def _pause_before_retry(self, response: httpx.Response, idempotent: bool, attempt: int) -> bool:
        """Sleep before sending again and return True; or False when ``response`` is final."""
        status = response.status_code
        if not self.retry.may_retry_status(status, idempotent=idempotent, attempt=attempt):
            return False
        retry_after = retry_after_seconds(response.headers, self.clock.now())
        delay = self.retry.delay(attempt, retry_after)
        if delay is None:
            raise _too_long(response, retry_after, self.clock)
        response.close()
        self.retry.sleep(delay)
        return True

    def _attempt(
        self, request: httpx.Request, idempotent: bool, attempt: int, *, authenticate: bool
    ) -> httpx.Response | None:
        """One send; None when it failed on the way and is worth another try (after sleeping)."""
        started = self.clock.monotonic()
        try:
            if authenticate and self.auth is not None:
                response = self.http.send(request, auth=self.auth)
            else:
                response = self.http.send(request, auth=None)
        except httpx.TransportError as error:
            _log(request, None, self.clock.monotonic() - started, attempt, type(error).__name__)
            if not self.retry.may_retry_error(error, idempotent=idempotent, attempt=attempt):
                raise _transport_error(request, error) from error
            self.retry.sleep(self.retry.backoff(attempt))
            return None
        except httpx.DecodingError as error:
            # The body arrived but its Content-Encoding is broken: an answer, not a network fault.
            raise MalformedResponse(
                f"the answer cannot be decoded ({error})",
                method=request.method,
                path=request.url.path,
            ) from error
        _log(request, response, self.clock.monotonic() - started, attempt, None)
        return response


def _params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    # Unset filters are left out rather than sent empty.
    return {key: value for key, value in params.items() if value is not None and value != []}


def _transport_error(request: httpx.Request, error: httpx.TransportError) -> TransportError:
    sent = not never_sent(error)
    consequence = (
        "it may have reached Cdiscount: check its effect before sending it again"
        if sent and not is_idempotent(request.method)
        else "it can be sent again safely"
    )
    return TransportError(
        f"the connection failed ({type(error).__name__}); {consequence}",
        request_sent=sent,
        method=request.method,
        path=request.url.path,
    )


def _too_long(response: httpx.Response, retry_after: float | None, clock: Clock) -> RateLimited:
    """The server asked to wait longer than the client ever sleeps: the job layer will wait."""
    error = error_for_response(response, now=clock.now())
    if isinstance(error, RateLimited):
        return error
    # A 5xx with a long Retry-After is handled like a 429: come back later.
    context = {
        "status": error.status,
        "problem": error.problem,
        "headers": error.headers,
        "trace_id": error.trace_id,
        "method": error.method,
        "path": error.path,
    }
    return RateLimited(error.message, retry_after=retry_after, **context)


def _log(
    request: httpx.Request,
    response: httpx.Response | None,
    duration: float,
    attempt: int,
    failure: str | None,
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    status = response.status_code if response is not None else None
    trace_id = _trace_id_for_log(response)
    logger.debug(
        "octopia %s %s -> %s in %.0f ms (attempt %d, traceId %s)",
        request.method,
        request.url.path,
        status if status is not None else failure,
        duration * 1000,
        attempt + 1,
        trace_id or "-",
        extra={
            "http_method": request.method,
            "http_path": request.url.path,
            "http_status": status,
            "duration_ms": round(duration * 1000, 1),
            "attempt": attempt + 1,
            "trace_id": trace_id,
        },
    )


def _trace_id_for_log(response: httpx.Response | None) -> str | None:
    if response is None:
        return None
    trace_id = trace_id_of(response)
    if trace_id is None and not response.is_success:
        trace_id = parse_problem(response).trace_id
    return trace_id
