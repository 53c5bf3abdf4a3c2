"""Storage faults made real for tests: a database that refuses writes as a full disk or a
read-only one would, with the drivers' own exception classes and messages."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable
from typing import Any

import psycopg.errors
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from cdlink.store.engine import Database

WRITES = ("INSERT", "UPDATE", "DELETE")


def _disk_full(backend: str) -> Exception:
    if backend == "sqlite":
        return sqlite3.OperationalError("database or disk is full")
    return psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left')


def fill_the_disk(database: Database) -> Callable[[], None]:
    """From now on every write fails as on a full disk (reads still work); returns the undo."""

    def refuse(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            raise _disk_full(database.backend)

    event.listen(database.engine, "before_cursor_execute", refuse)
    return lambda: event.remove(database.engine, "before_cursor_execute", refuse)


def make_read_only(database: Database) -> Database:
    """The same database, read-only for real: SQLite opened with ``mode=ro``; on PostgreSQL
    every new transaction of that database read-only (``default_transaction_read_only``)."""
    if database.backend == "sqlite":
        path = make_url(database.url).database
        return Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    name = make_url(database.url).database
    with database.engine.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        connection.commit()
    database.engine.dispose()
    return database


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
