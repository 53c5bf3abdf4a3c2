"""The local servers the tests use: PostgreSQL (a fresh database per test) and Redis."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("CDLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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
