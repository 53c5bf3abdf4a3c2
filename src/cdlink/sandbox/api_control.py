"""The control API under ``/_sandbox``: the ``Controller`` over HTTP, for the demo and tools.

No authentication: the sandbox is a local test double; do not expose its port publicly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cdlink.sandbox.config import FaultRule, RateLimit
from cdlink.sandbox.control import Controller, SandboxError
from cdlink.sandbox.responses import json_response

Action = Callable[[Controller, dict[str, Any], Request], Any]


class SeedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int | None = None
    offers: int | None = Field(None, ge=0, le=100_000)
    orders: int | None = Field(None, ge=0, le=1_000_000)
    quantity: int | None = Field(None, ge=0)


class OrdersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(1, ge=1, le=100_000)
    status: str = "WaitingAcceptance"
    seller_id: int | None = None
    supply_mode: str = "Seller"


class DiscussionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sub_typology: str | None = None
    body: str | None = None


class CustomerMessageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str | None = None


class AdvanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0)


class ClientBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    seller_ids: list[int] = Field(min_length=1)


class LifetimeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int = Field(ge=1)


class RevokeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str | None = None


class AutoAcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class QuantityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: int = Field(ge=0)


class CancelRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str = "1"


def route(path: str, method: str, action: Action) -> Route:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
            result = action(request.app.state.controller, body, request)
        except (ValueError, ValidationError, SandboxError) as error:
            message = error.json() if isinstance(error, ValidationError) else str(error)
            return json_response({"error": message}, 400)
        return json_response(result if result is not None else {"ok": True})

    return Route(f"/_sandbox{path}", endpoint, methods=[method])


def _seed(control: Controller, body: dict[str, Any], _: Request) -> Any:
    values = SeedBody.model_validate(body)
    credentials = control.seed(
        values.seed, offers=values.offers, orders=values.orders, quantity=values.quantity
    )
    return {
        "seller_id": credentials.seller_id,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }


def _orders(control: Controller, body: dict[str, Any], _: Request) -> Any:
    values = OrdersBody.model_validate(body)
    return {
        "orderIds": control.create_orders(
            values.count,
            status=values.status,
            seller_id=values.seller_id,
            supply_mode=values.supply_mode,
        )
    }


def _advance(control: Controller, body: dict[str, Any], _: Request) -> Any:
    return {"now": control.advance(AdvanceBody.model_validate(body).seconds)}


def _client(control: Controller, body: dict[str, Any], _: Request) -> Any:
    values = ClientBody.model_validate(body)
    control.add_client(values.client_id, values.client_secret, values.seller_ids)


def _rate_limit(control: Controller, body: dict[str, Any], _: Request) -> Any:
    control.set_rate_limit(RateLimit.model_validate(body) if body else None)


def _cancel_request(control: Controller, body: dict[str, Any], request: Request) -> Any:
    values = CancelRequestBody.model_validate(body)
    return {
        "cancelRequested": control.customer_cancel_request(
            request.path_params["order_id"], values.line_id
        )
    }


def _open_discussion(control: Controller, body: dict[str, Any], request: Request) -> Any:
    values = DiscussionBody.model_validate(body)
    discussion_id = control.open_discussion(
        request.path_params["order_id"], sub_typology=values.sub_typology, body=values.body
    )
    return {"discussionId": discussion_id}


def _customer_message(control: Controller, body: dict[str, Any], request: Request) -> Any:
    values = CustomerMessageBody.model_validate(body)
    return {
        "messageId": control.customer_message(request.path_params["discussion_id"], values.body)
    }


def _quantity(control: Controller, body: dict[str, Any], request: Request) -> Any:
    quantity = QuantityBody.model_validate(body).quantity
    control.set_offer_quantity(request.path_params["reference"], quantity)


ROUTES = [
    route("/state", "GET", lambda control, _, __: control.summary()),
    route("/requests", "GET", lambda control, _, __: control.requests()),
    route("/finance/discrepancies", "GET", lambda control, _, __: control.finance_discrepancies()),
    route("/seed", "POST", _seed),
    route("/orders", "POST", _orders),
    route("/orders", "GET", lambda control, _, __: {"orders": control.order_statuses()}),
    route("/offers", "GET", lambda control, _, __: {"offers": control.offer_quantities()}),
    route(
        "/orders/{order_id}",
        "GET",
        lambda control, _, request: control.order(request.path_params["order_id"]),
    ),
    route("/orders/{order_id}/cancel-request", "POST", _cancel_request),
    route("/orders/{order_id}/discussions", "POST", _open_discussion),
    route(
        "/discussions/{discussion_id}",
        "GET",
        lambda control, _, request: control.discussion(request.path_params["discussion_id"]),
    ),
    route("/discussions/{discussion_id}/messages", "POST", _customer_message),
    route(
        "/discussions/{discussion_id}/escalate",
        "POST",
        lambda control, _, request: {
            "graduation": control.escalate_discussion(request.path_params["discussion_id"])
        },
    ),
    route(
        "/offers/{reference}",
        "GET",
        lambda control, _, request: control.offer(request.path_params["reference"]),
    ),
    route("/offers/{reference}/quantity", "PUT", _quantity),
    route(
        "/auto-accept",
        "PUT",
        lambda control, body, _: control.set_auto_accept(
            AutoAcceptBody.model_validate(body).enabled
        ),
    ),
    route("/clock", "GET", lambda control, _, __: {"now": control.now()}),
    route("/clock/advance", "POST", _advance),
    route("/faults", "GET", lambda control, _, __: control.faults()),
    route(
        "/faults",
        "POST",
        lambda control, body, _: control.add_fault(FaultRule.model_validate(body)),
    ),
    route("/faults", "DELETE", lambda control, _, __: control.clear_faults()),
    route("/rate-limit", "PUT", _rate_limit),
    route(
        "/parcels",
        "PUT",
        lambda control, body, _: {
            "singleParcelPerOrder": control.set_single_parcel(
                bool(body.get("singleParcelPerOrder", True))
            )
        },
    ),
    route("/order-lines", "GET", lambda control, _, __: {"lines": control.order_line_counts()}),
    route("/variants", "PUT", lambda control, body, _: control.set_variants(**body).model_dump()),
    route("/catalog", "PUT", lambda control, body, _: control.set_catalog(**body)),
    route("/clients", "POST", _client),
    route(
        "/tokens/revoke",
        "POST",
        lambda control, body, _: {
            "revoked": control.revoke_tokens(RevokeBody.model_validate(body).client_id)
        },
    ),
    route(
        "/tokens/lifetime",
        "PUT",
        lambda control, body, _: control.set_token_lifetime(
            LifetimeBody.model_validate(body).seconds
        ),
    ),
]
