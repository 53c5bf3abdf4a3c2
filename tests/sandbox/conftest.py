"""Fixtures for the sandbox tests: a seeded sandbox on a manual clock, and httpx clients on it.

Everything goes through HTTP (the in-process transports); the sandbox's Python control methods
stand in for the control API only where a test is not about the control API itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.sandbox_api import START, fetch_token


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(seed=7, customer_cancel_probability=0.0)


@pytest.fixture
def sandbox(config: SandboxConfig, manual_clock: ManualClock) -> Sandbox:
    return Sandbox(config, clock=manual_clock)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client at the sandbox's root, without credentials."""
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as client:
        yield client


@pytest.fixture
def api(sandbox: Sandbox, http: httpx.Client) -> Iterator[httpx.Client]:
    """A client on the Seller API with a valid token and the default SellerId."""
    credentials = sandbox.credentials
    token = fetch_token(http, credentials.client_id, credentials.client_secret)
    headers = {"Authorization": f"Bearer {token}", "SellerId": str(credentials.seller_id)}
    with httpx.Client(
        transport=sandbox.transport(), base_url=sandbox.api_url(), headers=headers
    ) as client:
        yield client
