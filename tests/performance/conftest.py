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
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.users import create_user
from cdlink.sync.registry import default_registry
from cdlink.web.app import create_app
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, csrf_token, log_in

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
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, sandbox_clock.now()))
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, sandbox_clock, default_registry, clients=clients)


@pytest.fixture
def browser(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    with shop.database.session() as session:
        create_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=sandbox_clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
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
