"""Fixtures of the finance tests: the in-process sandbox with a few weeks of orders (so there
are operations, payouts and invoices), a connection to it, a job environment, and the web app."""

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
from tests.support.finance import import_finance
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, csrf_token, log_in

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
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, sandbox_clock.now()))
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, sandbox_clock, default_registry, clients=clients)


def _app_client(settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock) -> TestClient:
    with shop.database.session() as session:
        create_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=sandbox_clock)
    return TestClient(app, base_url=BASE_URL, follow_redirects=False)


@pytest.fixture
def browser(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """The pages, logged in as an admin, after orders and finance were imported."""
    import_finance(shop)
    with _app_client(settings, shop, sandbox_clock) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


@pytest.fixture
def api(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """The API with a personal token, after orders and finance were imported."""
    import_finance(shop)
    with _app_client(settings, shop, sandbox_clock) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        page = client.post(
            "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/settings")}
        )
        found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
        assert found
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {found.group(1)}"
        yield client
