"""One function maps an answer to an exception: problem+json, Keycloak and Kong bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from cdlink.core.errors import CdlinkError
from cdlink.octopia import (
    ApiError,
    AuthError,
    Conflict,
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    OctopiaError,
    RateLimited,
    ServerError,
)
from cdlink.octopia.responses import error_for_response, json_body
from tests.support.octopia_fakes import SECRET


def answer(
    status: int, body: object = None, *, content: bytes | None = None, **headers: str
) -> httpx.Response:
    request = httpx.Request("GET", "https://api.test/seller/v2/orders")
    if content is None:
        content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, InvalidRequest),
        (401, AuthError),
        (403, Forbidden),
        (404, NotFound),
        (406, InvalidRequest),
        (409, Conflict),
        (415, InvalidRequest),
        (422, InvalidRequest),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_given_an_error_status_when_mapped_then_the_class_matches(status: int, kind: type) -> None:
    error = error_for_response(answer(status, {"title": "x", "traceId": "00-abc"}))
    assert type(error) is kind
    assert isinstance(error, ApiError)
    assert isinstance(error, OctopiaError)
    assert isinstance(error, CdlinkError)
    assert error.status == status
    assert error.hint


def test_given_problem_json_when_mapped_then_title_fields_and_trace_id_are_kept() -> None:
    body = {
        "type": "https://datatracker.ietf.org/doc/html/rfc9110#name-400-bad-request",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "traceId": "00-831ed20e-01",
        "errors": {"pageSize": ["must be at most 100"]},
    }
    error = error_for_response(answer(400, body, **{"Content-Type": "application/problem+json"}))
    assert str(error).startswith("[traceId 00-831ed20e-01]")
    assert error.trace_id == "00-831ed20e-01"
    assert error.problem is not None
    assert error.problem.errors == {"pageSize": ["must be at most 100"]}
    assert "pageSize: must be at most 100" in str(error)
    assert error.headers["content-type"] == "application/problem+json"


def test_given_no_trace_id_anywhere_when_mapped_then_the_message_says_so() -> None:
    error = error_for_response(answer(500))
    assert str(error).startswith("[no traceId] HTTP 500")


def test_given_a_trace_header_when_the_body_has_none_then_the_header_is_used() -> None:
    error = error_for_response(
        answer(502, content=b"<html>Bad gateway</html>", **{"X-Request-Id": "req-9"})
    )
    assert error.trace_id == "req-9"
    assert error.problem is not None
    assert error.problem.text == "<html>Bad gateway</html>"


def test_given_kong_404_when_mapped_then_not_found_keeps_the_gateway_message() -> None:
    error = error_for_response(answer(404, {"message": "no Route matched with those values"}))
    assert isinstance(error, NotFound)
    assert "no Route matched" in str(error)


@pytest.mark.parametrize("status", [400, 401])
@pytest.mark.parametrize("code", ["invalid_client", "unauthorized_client", "invalid_grant"])
def test_given_keycloak_refusal_at_token_endpoint_then_credentials_rejected(
    status: int, code: str
) -> None:
    body = {"error": code, "error_description": "Invalid client or Invalid client credentials"}
    error = error_for_response(answer(status, body), token_endpoint=True)
    assert isinstance(error, CredentialsRejected)
    assert "Re-authentication needed" in error.hint
    assert "Invalid client credentials" in str(error)


def test_given_problem_json_401_at_token_endpoint_then_credentials_rejected() -> None:
    error = error_for_response(
        answer(401, {"title": "Unauthorized", "status": 401}), token_endpoint=True
    )
    assert isinstance(error, CredentialsRejected)


def test_given_keycloak_unsupported_grant_at_token_endpoint_then_invalid_request() -> None:
    body = {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"}
    error = error_for_response(answer(400, body), token_endpoint=True)
    assert type(error) is InvalidRequest


def test_given_429_with_seconds_when_mapped_then_retry_after_is_read() -> None:
    error = error_for_response(answer(429, None, **{"Retry-After": "7"}))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_given_429_with_http_date_when_mapped_then_retry_after_is_relative_to_now() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    response = answer(429, None, **{"Retry-After": "Mon, 02 Mar 2026 09:00:30 GMT"})
    error = error_for_response(response, now=now)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 30.0


def test_given_a_body_echoing_a_secret_when_mapped_then_the_message_masks_it() -> None:
    body = {"title": "Bad", "detail": f"client_secret={SECRET} refused"}
    error = error_for_response(answer(400, body))
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert error.problem is not None
    assert SECRET not in error.problem.model_dump_json()


def test_given_invalid_json_on_success_when_decoded_then_malformed_response() -> None:
    with pytest.raises(MalformedResponse, match="not valid JSON") as caught:
        json_body(answer(200, content=b'{"items": [1, 2'))
    assert caught.value.status == 200
