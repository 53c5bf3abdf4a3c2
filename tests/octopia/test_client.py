"""The client as a whole: wiring, logging without secrets, the failure policy table."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from cdlink.core.settings import DEFAULT_OCTOPIA_API_URL, Settings
from cdlink.octopia import (
    FAILURE_POLICY,
    Action,
    AuthError,
    ClientCredentials,
    Conflict,
    CredentialsRejected,
    FailureType,
    Forbidden,
    MalformedResponse,
    OctopiaClient,
    OctopiaError,
    RateLimited,
    ServerError,
    TransportError,
    resolve,
)
from tests.support.octopia_fakes import SECRET, FakeOctopia, problem


def test_given_default_options_when_built_then_the_real_hosts_are_used(
    credentials: ClientCredentials,
) -> None:
    with OctopiaClient(credentials) as client:
        assert client.api_url == DEFAULT_OCTOPIA_API_URL
        assert SECRET not in repr(client)


def test_given_settings_when_built_from_them_then_their_urls_are_used(
    credentials: ClientCredentials, settings: Settings, fake: FakeOctopia
) -> None:
    configured = settings.model_copy(
        update={
            "octopia_api_url": "http://sandbox/seller/v2",
            "octopia_token_url": "http://sandbox/auth/realms/maas/protocol/openid-connect/token",
        }
    )
    fake.routes[("GET", "/seller/v2/sellers")] = [httpx.Response(200, json={"seller_id": 1})]
    with OctopiaClient.from_settings(
        configured, credentials, transport=httpx.MockTransport(fake)
    ) as client:
        client.sellers.get()
    assert [str(r.url) for r in fake.requests] == [
        "http://sandbox/auth/realms/maas/protocol/openid-connect/token",
        "http://sandbox/seller/v2/sellers",
    ]


def test_given_debug_logging_when_calls_fail_and_succeed_then_lines_name_the_call_without_secrets(
    fake: FakeOctopia, client: OctopiaClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake.route(
        "GET",
        "/sellers",
        problem(503, "down", trace_id="00-log-trace"),
        httpx.Response(200, json={"seller_id": 1}),
    )
    with caplog.at_level(logging.DEBUG, logger="cdlink.octopia"):
        client.sellers.get()
    lines = [record.getMessage() for record in caplog.records]
    assert any(
        "POST /auth/realms/maas/protocol/openid-connect/token -> 200" in line for line in lines
    )
    assert any("GET /seller/v2/sellers -> 503" in line and "00-log-trace" in line for line in lines)
    assert any("GET /seller/v2/sellers -> 200" in line for line in lines)
    everything = " ".join(lines + [str(record.__dict__) for record in caplog.records])
    assert SECRET not in everything
    assert "token-1" not in everything


@pytest.mark.parametrize(
    ("error", "action", "failure_type"),
    [
        (CredentialsRejected("x"), Action.FAIL, FailureType.CONFIG),
        (Forbidden("x"), Action.FAIL, FailureType.CONFIG),
        (AuthError("x"), Action.RETRY, FailureType.TRANSIENT),
        (RateLimited("x", retry_after=3), Action.RATE_LIMITED, FailureType.TRANSIENT),
        (ServerError("x"), Action.RETRY, FailureType.TRANSIENT),
        (TransportError("x", request_sent=False), Action.RETRY, FailureType.TRANSIENT),
        (Conflict("x"), Action.FAIL, FailureType.SYSTEM),
        (MalformedResponse("x"), Action.FAIL, FailureType.SYSTEM),
        (OctopiaError("x"), Action.FAIL, FailureType.SYSTEM),
    ],
)
def test_given_an_error_when_resolved_then_the_policy_table_decides(
    error: OctopiaError, action: Action, failure_type: FailureType
) -> None:
    resolution = resolve(error)
    assert (resolution.action, resolution.failure_type) == (action, failure_type)


def test_given_every_error_class_when_looking_at_the_policy_then_each_has_a_row() -> None:
    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found)) if found else found

    assert subclasses(OctopiaError) | {OctopiaError} <= set(FAILURE_POLICY)


def test_given_a_client_when_closed_twice_then_nothing_breaks(
    make_client: Callable[..., OctopiaClient],
) -> None:
    client = make_client()
    client.close()
    client.close()
