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


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    try:
        return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {admin.render_as_string()}: {error}. "
            "Run `make services` or set CDLINK_TEST_POSTGRES_URL.",
        )


class DeferredDrops:
    """Used test databases, dropped a batch at a time rather than one by one.

    PostgreSQL forces a checkpoint on every ``DROP DATABASE``, which writes out every dirty
    buffer of the server: dropping after each test cost a second or more of each PostgreSQL
    test on the 2-core machine. In a batch the first drop's checkpoint writes what the batch's
    tests left and the next ones find little to write. A database is only queued once its test
    has closed its engine; ``WITH (FORCE)`` ends any session a test or a child process left.
    """

    BATCH = 24

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(self, name: str) -> None:
        self.names.append(name)
        if len(self.names) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        names, self.names = self.names, []
        if not names:
            return
        with _admin_connection() as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: This process's (this xdist worker's) queue; the session fixture flushes it at the end.
DEFERRED_DROPS = DeferredDrops()


class postgres_database:  # noqa: N801  (used as a context manager, reads like one)
    """A fresh PostgreSQL database, a copy of ``template`` when one is named.

    On exit it is dropped, at once with ``deferred=False``, else with the next batch of
    ``DEFERRED_DROPS``.
    """

    def __init__(
        self, template: str | None = None, prefix: str = "cdlink_test_", *, deferred: bool = True
    ) -> None:
        self.name = f"{prefix}{uuid.uuid4().hex[:12]}"
        self.template = template
        self.deferred = deferred

    def __enter__(self) -> str:
        copy = f' TEMPLATE "{self.template}"' if self.template else ""
        with _admin_connection() as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"{copy}')
        return make_url(POSTGRES_URL).set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *_exc: object) -> None:
        if self.deferred:
            DEFERRED_DROPS.add(self.name)
            return
        with _admin_connection() as connection:
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
            template = postgres_database(prefix=f"cdlink_template_{worker_name()}_", deferred=False)
            url = template.__enter__()
            try:
                _migrate(url)
            except BaseException:
                template.__exit__()
                raise
            self._postgresql = template
        return self._postgresql.name

    def drop(self) -> None:
        DEFERRED_DROPS.flush()
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
