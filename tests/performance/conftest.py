"""Fixtures of the performance tests: the in-process sandbox with no seeded orders, a connection
to it, a job environment and the web app with a token for the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from tests.support.sandbox_app import admin_pages, sandbox_environment
from tests.support.web import BASE_URL, csrf_token

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=11, orders=0, processing_seconds=0), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Connection 1 linked to the sandbox's seller, and the environment that runs its streams."""
    return sandbox_environment(settings, database, sandbox, sandbox_clock)


@pytest.fixture
def browser(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    with admin_pages(settings, shop) as client:
        yield client


@pytest.fixture
def api(browser: TestClient) -> TestClient:
    """The same app, called with a personal API token instead of the session."""
    page = browser.post(
        "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(browser, "/settings")}
    )
    found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
    assert found
    client = TestClient(browser.app, base_url=BASE_URL, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {found.group(1)}"
    return client
