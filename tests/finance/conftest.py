"""Fixtures of the finance tests: the in-process sandbox with a few weeks of orders (so there
are operations, payouts and invoices), a connection to it, a job environment, and the web app."""

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
from tests.support.finance import import_finance
from tests.support.sandbox_app import admin_pages, sandbox_environment, token_api

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400.0


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(seed=3, orders=30, customer_cancel_probability=0.0)
    sandbox = Sandbox(config, clock=sandbox_clock)
    sandbox_clock.advance(20 * DAY)  # the shop's clock and the sandbox's move together
    sandbox.now()
    return sandbox


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Connection 1 linked to the sandbox's seller, and the environment that runs its streams."""
    return sandbox_environment(settings, database, sandbox, sandbox_clock)


@pytest.fixture
def browser(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The pages, logged in as an admin, after orders and finance were imported."""
    import_finance(shop)
    with admin_pages(settings, shop) as client:
        yield client


@pytest.fixture
def api(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The API with a personal token, after orders and finance were imported."""
    import_finance(shop)
    with token_api(settings, shop) as client:
        yield client
