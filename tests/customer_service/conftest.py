"""Fixtures of the customer service tests: the in-process sandbox with discussions, a connection
to it, a job environment, the web app (pages and a token for the API)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from tests.support.customer_service import import_all
from tests.support.sandbox_app import admin_pages, sandbox_environment, token_api

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(
        seed=7, orders=30, processing_seconds=0, discussions=6, gesture_processing_seconds=0
    )
    return Sandbox(config, clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Connection 1 linked to the sandbox's seller, and the environment that runs its streams."""
    return sandbox_environment(settings, database, sandbox, sandbox_clock)


@pytest.fixture
def browser(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The pages, logged in as an admin, after the orders and discussions were imported."""
    import_all(shop)
    with admin_pages(settings, shop) as client:
        yield client


@pytest.fixture
def api(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The API with a personal token, after the orders and discussions were imported."""
    import_all(shop)
    with token_api(settings, shop) as client:
        yield client
