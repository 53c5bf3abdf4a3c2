"""The local servers the tests use: PostgreSQL (a fresh database per test) and Redis, and the
migrated templates a test's database is copied from."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from cdlink.store import migrate
from cdlink.store.engine import Database

POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CDLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class postgres_database:  # noqa: N801  (used as a context manager, reads like one)
    """A fresh PostgreSQL database, dropped on exit; a copy of ``template`` when one is named."""

    def __init__(self, template: str | None = None, prefix: str = "cdlink_test_") -> None:
        self.name = f"{prefix}{uuid.uuid4().hex[:12]}"
        self.template = template
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
        copy = f' TEMPLATE "{self.template}"' if self.template else ""
        with self._connect() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"{copy}')
        return make_url(POSTGRES_URL).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *_exc: object) -> None:
        with self._connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def worker_name() -> str:
    """This xdist worker's name (``gw0``, ``gw1``…), or ``main`` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class SchemaTemplates:
    """A SQLite file and a PostgreSQL database at the newest schema, each made on first use.

    Migrating from nothing costs far more than copying: tests copy the SQLite file, and create
    their PostgreSQL database with ``CREATE DATABASE … TEMPLATE`` (which needs the template to
    have no open connection: its engine is disposed as soon as it is migrated).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: Path | None = None
        self._postgresql: postgres_database | None = None

    def sqlite_copy(self, target: Path) -> str:
        """Copy the migrated SQLite file to ``target``; returns the copy's URL."""
        if self._sqlite is None:
            path = self.directory / "schema.sqlite3"
            _migrate(f"sqlite:///{path}")
            self._sqlite = path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgresql_template(self) -> str:
        """The name of the migrated PostgreSQL template database."""
        if self._postgresql is None:
            template = postgres_database(prefix=f"cdlink_template_{worker_name()}_")
            url = template.__enter__()
            try:
                _migrate(url)
            except BaseException:
                template.__exit__()
                raise
            self._postgresql = template
        return self._postgresql.name

    def drop(self) -> None:
        if self._postgresql is not None:
            self._postgresql.__exit__()


def _migrate(url: str) -> None:
    database = Database(url)
    try:
        migrate.upgrade(database)
    finally:
        # Closes every connection: SQLite checkpoints its WAL into the file, and PostgreSQL
        # refuses to copy a template that has a session open.
        database.dispose()
