"""Engines and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cdlink.core.errors import ConfigurationError, StorageError

SQLITE_BUSY_TIMEOUT_MS = 15_000
READONLY_OPTION = "cdlink_readonly"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def build_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout."""
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, **options)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, **options)
    raise ConfigurationError(
        f"unsupported database {backend!r}",
        hint="Use sqlite:///path/to/file or postgresql://user@host/db in CDLINK_DATABASE_URL.",
    )


def _sqlite_engine(url: str, **options: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions start (see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the lock at BEGIN (IMMEDIATE), so two writers wait for each other
        # instead of one failing half-way with "database is locked"; readers stay deferred.
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = normalize_url(url)
        self.engine = build_engine(self.url, **options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.readonly_sessions = sessionmaker(
            self.engine.execution_options(**{READONLY_OPTION: True}), expire_on_commit=False
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; on SQLite it does not take the write lock."""
        with self.readonly_sessions.begin() as session:
            yield session

    def ping(self) -> None:
        """Raise ``StorageError`` if the database cannot answer a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            raise StorageError(f"the database is not reachable ({type(error).__name__})") from error

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Database {make_url(self.url).render_as_string(hide_password=True)}>"
