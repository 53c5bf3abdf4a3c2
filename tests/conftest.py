"""Shared fixtures: settings in a temporary data directory, databases on both backends, and the
web app with a browser-like client and an administrator (used by several feature folders).

Each session (each xdist worker) migrates one SQLite file and one PostgreSQL template database
once (``SchemaTemplates``); a test's ``database`` is a copy of them. ``empty_database`` stays
empty, for the tests of the migrations themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.sync.connections.check import OctopiaConnectionChecker
from cdlink.web.app import create_app
from tests.support.databases import DEFERRED_DROPS, SchemaTemplates, postgres_database
from tests.support.web import ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, add_user, log_in

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first: browser and process runs, then the other slow ones, then the rest.

    pytest-xdist hands tests out in this order, so the minute-long ones start while the two
    workers still have hundreds of short tests to share, and neither waits alone on a last
    browser flow at the end. The sort is stable: each group keeps its collection order.
    """
    items.sort(
        key=lambda item: (
            item.get_closest_marker("e2e") is None,
            item.get_closest_marker("slow") is None,
        )
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated from the developer's environment and .env file.

    The embedded sync runtime is off: tests that want it start it themselves.
    """
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", sync_embedded_enabled=False
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(params=BACKENDS)
def database_backend(request: pytest.FixtureRequest) -> str:
    """Which backend this run of the test uses: ``sqlite`` or ``postgresql``."""
    backend: str = request.param
    return backend


@pytest.fixture
def empty_database(database_backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database; every test that uses it runs on SQLite and on PostgreSQL."""
    if database_backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        yield database
        database.dispose()
        return
    with postgres_database() as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture
def database(
    database_backend: str, tmp_path: Path, schema_templates: SchemaTemplates
) -> Iterator[Database]:
    """A database with the current schema, copied from this session's migrated template."""
    if database_backend == "sqlite":
        database = Database(schema_templates.sqlite_copy(tmp_path / "test.sqlite3"))
        yield database
        database.dispose()
        return
    with postgres_database(template=schema_templates.postgresql_template()) as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture(scope="session", autouse=True)
def _drop_used_databases() -> Iterator[None]:
    """The PostgreSQL databases tests left for a batched drop go at the session's end."""
    yield
    DEFERRED_DROPS.flush()


@pytest.fixture(scope="session")
def schema_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SchemaTemplates]:
    """The databases this session (each xdist worker has its own) migrates once, then copies."""
    templates = SchemaTemplates(tmp_path_factory.mktemp("schema-template"))
    yield templates
    templates.drop()


# --- the web app (tests of pages and API in the access, connections, dashboard and stock folders)


@pytest.fixture(autouse=True)
def _quiet_stale_log_handlers() -> None:
    """CLI tests route logging to their runner's stream, closed by now; drop that handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "cdlink_handler", False):
            root.removeHandler(handler)


@pytest.fixture
def web_database(tmp_path: Path, schema_templates: SchemaTemplates) -> Iterator[Database]:
    """A migrated SQLite database (a copy of the session's template) for the web app."""
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
        add_user(session, clock, ADMIN_EMAIL, ADMIN_PASSWORD, is_admin=True)
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
