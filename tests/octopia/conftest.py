"""Fixtures: a small fake of the Octopia API (MockTransport) and the in-process sandbox.

The fake itself and its canned answers are in tests/support/octopia_fakes.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.octopia import (
    ClientCredentials,
    InMemoryBudgetStore,
    InMemoryTokenStore,
    OctopiaClient,
    RetryPolicy,
)
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.octopia_fakes import API_URL, SECRET, TOKEN_URL, FakeOctopia
from tests.support.octopia_sandbox import connect


@pytest.fixture
def fake() -> FakeOctopia:
    return FakeOctopia()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sleeps(clock: ManualClock) -> list[float]:
    """Every sleep the client asked for; sleeping moves the manual clock instead of waiting."""
    return []


@pytest.fixture
def credentials() -> ClientCredentials:
    return ClientCredentials(seller_id="700085", client_id="cdlink-test", client_secret=SECRET)


@pytest.fixture
def make_client(
    fake: FakeOctopia, clock: ManualClock, sleeps: list[float], credentials: ClientCredentials
) -> Iterator[Callable[..., OctopiaClient]]:
    clients: list[OctopiaClient] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    def build(**options: Any) -> OctopiaClient:
        options.setdefault("retry", RetryPolicy(sleep=sleep, uniform=lambda: 0.5))
        options.setdefault("token_store", InMemoryTokenStore())
        options.setdefault("budget_store", InMemoryBudgetStore())
        client = OctopiaClient(
            options.pop("credentials", credentials),
            api_url=API_URL,
            token_url=TOKEN_URL,
            transport=options.pop("transport", httpx.MockTransport(fake)),
            clock=clock,
            **options,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., OctopiaClient]) -> OctopiaClient:
    return make_client()


@pytest.fixture
def sandbox() -> Sandbox:
    """A seeded sandbox served in-process (seller 700085, 60 offers, 20 orders)."""
    return Sandbox(SandboxConfig(seed=1))


@pytest.fixture
def sandbox_client(sandbox: Sandbox) -> Iterator[OctopiaClient]:
    with connect(sandbox) as connected:
        yield connected
