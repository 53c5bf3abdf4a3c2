"""Shared fixtures: settings in a temporary data directory, and databases on both backends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store import migrate
from cdlink.store.engine import Database

POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


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
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database; every test that uses it runs on SQLite and on PostgreSQL."""
    backend = request.param
    if backend == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        yield database
        database.dispose()
        return
    with postgres_database() as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture
def database(empty_database: Database) -> Database:
    """A database with the current schema."""
    migrate.upgrade(empty_database)
    return empty_database


class postgres_database:  # noqa: N801  (used as a context manager, reads like one)
    """A fresh PostgreSQL database, dropped on exit."""

    def __init__(self) -> None:
        self.name = f"cdlink_test_{uuid.uuid4().hex[:12]}"
        self.admin = make_url(POSTGRES_URL).set(drivername="postgresql")

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        try:
            return psycopg.connect(
                self.admin.render_as_string(hide_password=False), autocommit=True
            )
        except psycopg.OperationalError as error:
            pytest.fail(
                f"PostgreSQL is not reachable at {self.admin.render_as_string()}: {error}. "
                "Run `make services` or set CDLINK_TEST_POSTGRES_URL.",
            )

    def __enter__(self) -> str:
        with self._connect() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')
        return make_url(POSTGRES_URL).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *_exc: object) -> None:
        with self._connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
