"""Fixtures for the sandbox tests: a seeded sandbox on a manual clock, and httpx clients on it.

Everything goes through HTTP (the in-process transports); the sandbox's Python control methods
stand in for the control API only where a test is not about the control API itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig

TOKEN_PATH = "/auth/realms/maas/protocol/openid-connect/token"
RECORDED = Path(__file__).parent / "recorded"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def decimal_json(response: httpx.Response) -> Any:
    """The body with every number read as Decimal, as a careful client reads money."""
    return json.loads(response.content, parse_float=Decimal)


def fetch_token(http: httpx.Client, client_id: str, client_secret: str) -> str:
    response = http.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def renew_token(api: httpx.Client, sandbox: Sandbox) -> None:
    """Give ``api`` a fresh token (after the sandbox clock jumped past the old one's life)."""
    credentials = sandbox.credentials
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        token = fetch_token(http, credentials.client_id, credentials.client_secret)
    api.headers["Authorization"] = f"Bearer {token}"


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
