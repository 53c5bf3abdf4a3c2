"""Testing a connection against the simulated marketplace: each failure gets its own cause."""

from __future__ import annotations

import httpx
import pytest

from cdlink.core.settings import Settings
from cdlink.hub.connections.accounts import Credentials
from cdlink.sandbox import FaultRule, Sandbox, SandboxConfig
from cdlink.sync.connections.check import CheckOutcome, OctopiaConnectionChecker


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(seed=5))


def credentials_of(sandbox: Sandbox, **changes: object) -> Credentials:
    account = sandbox.credentials
    values: dict[str, object] = {
        "connection_id": 1,
        "seller_id": account.seller_id,
        "auth_mode": "client_credentials",
        "client_id": account.client_id,
        "secret": account.client_secret,
        "token_url": None,
        "api_url": None,
    }
    values.update(changes)
    return Credentials(**values)  # type: ignore[arg-type]


def check(settings: Settings, sandbox: Sandbox, **changes: object) -> CheckOutcome:
    checker = OctopiaConnectionChecker(settings, transport=sandbox.transport())
    return checker(credentials_of(sandbox, **changes)).outcome


def test_given_valid_credentials_when_checked_then_the_module_is_installed(
    settings: Settings, sandbox: Sandbox
) -> None:
    legacy = sandbox.credentials

    assert check(settings, sandbox) is CheckOutcome.OK
    assert (
        check(
            settings, sandbox, auth_mode="password", client_id=legacy.login, secret=legacy.password
        )
        is CheckOutcome.OK
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"secret": "wrong-secret"}, CheckOutcome.WRONG_CREDENTIALS),
        ({"client_id": "unknown-client"}, CheckOutcome.WRONG_CREDENTIALS),
        (
            {"auth_mode": "password", "client_id": "nobody", "secret": "x"},
            CheckOutcome.WRONG_CREDENTIALS,
        ),
        ({"seller_id": 1}, CheckOutcome.NOT_LINKED),
    ],
)
def test_given_refused_credentials_when_checked_then_the_cause_is_precise(
    settings: Settings, sandbox: Sandbox, changes: dict[str, object], expected: CheckOutcome
) -> None:
    assert check(settings, sandbox, **changes) is expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            FaultRule(kind="status", endpoint="sellers.get", status=429, retry_after=0),
            CheckOutcome.RATE_LIMITED,
        ),
        (
            FaultRule(kind="status", endpoint="sellers.get", status=503),
            CheckOutcome.MARKETPLACE_ERROR,
        ),
        (FaultRule(kind="drop_before", endpoint="token"), CheckOutcome.UNREACHABLE),
    ],
)
def test_given_a_failing_marketplace_when_checked_then_the_cause_is_precise(
    settings: Settings, sandbox: Sandbox, rule: FaultRule, expected: CheckOutcome
) -> None:
    sandbox.add_fault(rule)

    assert check(settings, sandbox) is expected


def test_given_an_api_address_without_sellers_when_checked_then_it_is_called_unreachable(
    settings: Settings, sandbox: Sandbox
) -> None:
    def elsewhere(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(
                200, json={"access_token": "t", "expires_in": 300, "token_type": "Bearer"}
            )
        return httpx.Response(404, json={"title": "Not Found", "status": 404})

    checker = OctopiaConnectionChecker(settings, transport=httpx.MockTransport(elsewhere))

    assert checker(credentials_of(sandbox)).outcome is CheckOutcome.UNREACHABLE
