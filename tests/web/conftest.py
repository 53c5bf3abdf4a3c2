"""Fixtures for the web tests: an app on a migrated SQLite database (a copy of the session's
template), a browser-like client, and an administrator. Storage behaviour on both databases is
tested in the store and hub tests."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.users import create_user
from cdlink.sync.connection_check import OctopiaConnectionChecker
from cdlink.web.app import create_app
from tests.conftest import SchemaTemplates

ADMIN_EMAIL = "admin@boutique.fr"
ADMIN_PASSWORD = "correct horse battery"
BASE_URL = "http://127.0.0.1:8000"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture(autouse=True)
def _quiet_stale_log_handlers() -> None:
    """CLI tests route logging to their runner's stream, closed by now; drop that handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "cdlink_handler", False):
            root.removeHandler(handler)


@pytest.fixture
def web_database(tmp_path: Path, schema_templates: SchemaTemplates) -> Iterator[Database]:
    database = Database(schema_templates.sqlite_copy(tmp_path / "web.sqlite3"))
    yield database
    database.dispose()


@pytest.fixture
def sandbox() -> Sandbox:
    """The marketplace, simulated in-process: no test reaches the internet."""
    return Sandbox(SandboxConfig(seed=11))


@pytest.fixture
def app(
    settings: Settings, web_database: Database, clock: ManualClock, sandbox: Sandbox
) -> FastAPI:
    checker = OctopiaConnectionChecker(settings, transport=sandbox.transport())
    return create_app(settings, database=web_database, clock=clock, connection_checker=checker)


@pytest.fixture
def admin(web_database: Database, clock: ManualClock) -> str:
    with web_database.session() as session:
        create_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
    return ADMIN_EMAIL


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def browser(client: TestClient, admin: str) -> TestClient:
    """A client logged in as the administrator."""
    response = log_in(client, admin, ADMIN_PASSWORD)
    assert response.status_code == 303, response.text
    return client


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page gives this client (the client keeps the cookie)."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def log_in(client: TestClient, email: str, password: str) -> httpx.Response:
    """Post the login form as an English-speaking browser would."""
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, "next": "/"},
        headers={"Accept-Language": "en"},
    )
