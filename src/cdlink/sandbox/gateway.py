"""What happens to every API request before and after its handler, as at the real gateway.

Order: injected faults (status, slow, dropped before processing) → bearer token (401) →
``SellerId`` (400 when missing, 403 when the token's client is not linked to it) → per-seller
rate limit (429) → the handler, under the state lock → malformation or drop after processing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from cdlink.sandbox.config import FaultRule
from cdlink.sandbox.faults import malform
from cdlink.sandbox.responses import (
    ApiError,
    DroppedResponse,
    json_response,
    problem,
    raw_json,
)
from cdlink.sandbox.shop import SellerShop
from cdlink.sandbox.state import SandboxState


@dataclass
class Call:
    """One API request as a handler sees it, with the shop it addresses."""

    request: Request
    state: SandboxState
    shop: SellerShop
    now: datetime
    body: bytes
    path_params: dict[str, Any] = field(default_factory=dict)

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def query_list(self, name: str) -> list[str]:
        """A list filter, given repeated (``a=1&a=2``) or comma-separated (``a=1,2``)."""
        values = []
        for raw in self.request.query_params.getlist(name):
            values += [part.strip() for part in raw.split(",") if part.strip()]
        return values

    def json(self) -> Any:
        content_type = self.request.headers.get("content-type", "")
        if "json" not in content_type:
            raise ApiError(415, f"expected a JSON body, got content type {content_type!r}")
        try:
            return json.loads(self.body, parse_float=Decimal)
        except ValueError as error:
            raise ApiError(
                400, "The request body is not valid JSON", errors={"$": [str(error)]}
            ) from error


Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def api_endpoint(state: SandboxState, name: str, handler: Handler) -> Endpoint:
    """Wrap ``handler`` (named ``name`` for fault rules) in the gateway's checks."""

    async def endpoint(request: Request) -> Response:
        with state.lock:
            now = state.tick()
            trace = state.next_trace()
            fault = state.faults.decide(name, request.method, now)
        early = await apply_fault_before(fault, request, trace)
        if early is not None:
            log(state, request, name, early.status_code, processed=False)
            return early
        body = await request.body()
        with state.lock:
            response = answer(state, request, handler, body=body, trace=trace)
        log(state, request, name, response.status_code, processed=True)
        return apply_fault_after(fault, response)

    return endpoint


async def apply_fault_before(
    fault: FaultRule | None, request: Request, trace: str
) -> Response | None:
    if fault is None:
        return None
    if fault.kind == "slow":
        await anyio.sleep(fault.delay_seconds)
        return None
    if fault.kind == "drop_before":
        return DroppedResponse(before_processing=True)
    if fault.kind == "status":
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        detail = "Injected fault: the service is throttling or failing."
        return problem(ApiError(fault.status, detail, headers=headers), request.url.path, trace)
    return None


def apply_fault_after(fault: FaultRule | None, response: Response) -> Response:
    if fault is not None and fault.kind == "drop_after":
        return DroppedResponse(before_processing=False)
    if fault is None or response.status_code >= 300:
        return response
    if fault.kind == "malformed" and response.body:
        if fault.malformation == "invalid_json":
            return raw_json(bytes(response.body)[: max(1, len(response.body) // 2)])
        body = json.loads(bytes(response.body))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return json_response(malform(body, fault.malformation), response.status_code, headers)
    return response


def answer(
    state: SandboxState, request: Request, handler: Handler, *, body: bytes, trace: str
) -> Response:
    now = state.tick()
    try:
        shop = authorize(state, request, now)
        call = Call(request, state, shop, now, body, dict(request.path_params))
        return handler(call)
    except ApiError as error:
        return problem(error, request.url.path, trace)


def authorize(state: SandboxState, request: Request, now: datetime) -> SellerShop:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    record = state.authority.resolve(token.strip(), now) if scheme.lower() == "bearer" else None
    if record is None:
        raise ApiError(
            401,
            "The access token is missing, invalid, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    seller_header = request.headers.get("sellerid")
    if seller_header is None:
        status = state.config.variants.missing_seller_id_status
        raise ApiError(
            status, "The SellerId header is required.", errors={"SellerId": ["required"]}
        )
    if not seller_header.strip().isdigit():
        raise ApiError(400, "SellerId must be a number.", errors={"SellerId": ["not a number"]})
    seller_id = int(seller_header)
    client = state.authority.clients.get(record.client_id)
    linked = client.seller_ids if client is not None else record.seller_ids
    shop = state.shops.get(seller_id)
    if seller_id not in linked or shop is None:
        raise ApiError(403, f"This client is not allowed to act for seller {seller_id}.")
    wait = state.faults.throttle(seller_id, state.clock.monotonic())
    if wait is not None:
        limit = state.faults.rate_limit
        headers = {"Retry-After": str(max(1, round(wait)))} if limit and limit.retry_after else {}
        raise ApiError(429, "Rate limit exceeded for this seller; retry later.", headers=headers)
    return shop


def log(state: SandboxState, request: Request, name: str, status: int, *, processed: bool) -> None:
    with state.lock:
        state.request_log.append(
            {
                "method": request.method,
                "path": request.url.path,
                "endpoint": name,
                "status": status,
                "processed": processed,
                "at": state.clock.now().isoformat(),
            }
        )
