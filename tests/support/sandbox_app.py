"""A shop linked to an in-process sandbox with every stream, and its web app as a logged-in
administrator or an API token holder (shared by the feature folders' conftests)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.sync.registry import default_registry
from cdlink.web.app import create_app
from tests.support.sandbox_shop import sandbox_connection
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, csrf_token, log_in


def sandbox_environment(
    settings: Settings, database: Database, sandbox: Sandbox, clock: ManualClock
) -> JobEnvironment:
    """Connection 1 linked to the sandbox's seller, and the environment that runs its streams."""
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, clock.now()))
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings, clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, clock, default_registry, clients=clients)


@contextmanager
def admin_pages(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The web app's pages, logged in as a new administrator."""
    with shop.database.session() as session:
        add_user(session, shop.clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    app = create_app(settings, database=shop.database, clock=shop.clock)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        log_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        yield client


@contextmanager
def token_api(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    """The web app's API with a personal token made on the settings page (no cookie)."""
    with admin_pages(settings, shop) as client:
        page = client.post(
            "/settings/tokens", data={"name": "ERP", "csrf_token": csrf_token(client, "/settings")}
        )
        found = re.search(r'data-testid="new-token">(cdl_[^<]+)<', page.text)
        assert found
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {found.group(1)}"
        yield client
