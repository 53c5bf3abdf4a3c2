"""The token endpoint of the ``maas`` realm (reference §4.2), as Keycloak answers it.

``client_credentials`` for current clients and ``password`` for legacy logins, form-encoded.
The success body and headers are the recorded ones; failures use Keycloak's
``{error, error_description}`` or, switched by the ``token_errors`` variant, problem+json.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from cdlink.sandbox.auth import TokenError
from cdlink.sandbox.gateway import Endpoint, apply_fault_after, apply_fault_before, log
from cdlink.sandbox.responses import ApiError, problem, token_response
from cdlink.sandbox.state import SandboxState

PATH = "/auth/realms/maas/protocol/openid-connect/token"


def token_endpoint(state: SandboxState) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        with state.lock:
            now = state.tick()
            trace = state.next_trace()
            fault = state.faults.decide("token", request.method, now)
        early = await apply_fault_before(fault, request, trace)
        if early is not None:
            log(state, request, "token", early.status_code, processed=False)
            return early
        body = await request.body()
        with state.lock:
            try:
                response = issue(state, request, body)
            except TokenError as error:
                response = token_failure(state, error, trace)
        log(state, request, "token", response.status_code, processed=True)
        return apply_fault_after(fault, response)

    return endpoint


def issue(state: SandboxState, request: Request, body: bytes) -> Response:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        raise TokenError(400, "invalid_request", "Missing form parameter: grant_type")
    form = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    grant = form.get("grant_type")
    if not grant:
        raise TokenError(400, "invalid_request", "Missing form parameter: grant_type")
    now = state.tick()
    if grant == "client_credentials":
        client = state.authority.client_credentials(
            form.get("client_id", ""), form.get("client_secret", "")
        )
        subject, sellers = client.client_id, frozenset(client.seller_ids)
    elif grant == "password":
        subject, sellers = state.authority.password(
            form.get("username", ""), form.get("password", "")
        )
    else:
        raise TokenError(400, "unsupported_grant_type", "Unsupported grant_type")
    state.authority.check_quota(now, state.config.token_quota_per_hour)
    token, lifetime = state.authority.issue(subject, sellers, now, state.token_lifetime)
    return token_response(
        {
            "access_token": token,
            "expires_in": lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "",
        }
    )


def token_failure(state: SandboxState, error: TokenError, trace: str) -> Response:
    if state.config.variants.token_errors == "problem":  # noqa: S105  (a variant name)
        return problem(ApiError(error.status, error.description), PATH, trace)
    return token_response(
        {"error": error.error, "error_description": error.description}, error.status
    )
