"""Fixtures of the orders tests: the in-process sandbox, a connection to it, a job environment."""

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
from cdlink.sync.registry import default_registry
from cdlink.web.app import create_app
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=5, orders=25, processing_seconds=0), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Connection 1 linked to the sandbox's seller, and the environment that runs its streams."""
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, sandbox_clock.now()))
    # Retries do not wait: the faults tests go through bursts in no time.
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, sandbox_clock, default_registry, clients=clients)


@pytest.fixture
def browser(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    with shop.database.session() as session:
        add_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=sandbox_clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


@pytest.fixture
def api(
    settings: Settings, shop: JobEnvironment, sandbox_clock: ManualClock
) -> Iterator[TestClient]:
    """The web app on the shop's database, with a personal token, after a first import."""
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    with shop.database.session() as session:
        add_user(session, sandbox_clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=sandbox_clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        page = client.post(
            "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/settings")}
        )
        found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
        assert found
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {found.group(1)}"
        yield client
