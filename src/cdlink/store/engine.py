"""Engines and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from cdlink.core.errors import ConfigurationError, StorageError
from cdlink.core.permissions import warn_if_exposed
from cdlink.store.faults import storage_fault
from cdlink.store.writer_turns import WriterTurns, turns_for

SQLITE_BUSY_TIMEOUT_MS = 15_000
READONLY_OPTION = "cdlink_readonly"
#: The database file and its -wal and -shm companions: readable by their owner only.
PRIVATE_FILE_MODE = 0o600
_SQLITE_COMPANIONS = ("", "-wal", "-shm")
#: The write probe of /healthz: rewrites the revision row with itself (changes nothing).
PROBE_STATEMENT = "UPDATE alembic_version SET version_num = version_num"


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
        engine = _sqlite_engine(url, **options)
    elif backend == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, **options)
    else:
        raise ConfigurationError(
            f"unsupported database {backend!r}",
            hint="Use sqlite:///path/to/file or postgresql://user@host/db in CDLINK_DATABASE_URL.",
        )
    _translate_faults(engine, url)
    return engine


def _translate_faults(engine: Engine, url: str) -> None:
    """Raise a ``StorageError`` instead of a driver error that means the database cannot be
    written or reached (see ``cdlink.store.faults``)."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A failed pre-ping is the pool's business: it reconnects, and reports only if that fails.
        if context.is_pre_ping:
            return
        fault = storage_fault(context.original_exception, url)
        if fault is not None:
            raise fault from context.original_exception


def _sqlite_engine(url: str, **options: Any) -> Engine:
    database = make_url(url).database
    # A "file:" URI (uri=true) names its own options, such as mode=ro: left as it is.
    plain_file = database not in (None, "", ":memory:") and not str(database).startswith("file:")
    path = Path(str(database)) if plain_file else None
    if path is not None:
        _prepare_sqlite_file(path)
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
        if path is not None:
            _make_private(path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the lock at BEGIN (IMMEDIATE), so two writers wait for each other
        # instead of one failing half-way with "database is locked"; readers stay deferred.
        readonly = connection.get_execution_options().get(READONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def _writer_turns(url: str) -> WriterTurns | None:
    """The writer turns of a SQLite file (None for PostgreSQL, which has row locks, and for an
    in-memory database, private to its connection)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    path = str(database)
    return turns_for(path if path.startswith("file:") else str(Path(path).resolve()))


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file's directory (private) and the empty file itself as 0600, so SQLite, which
    gives the -wal and -shm files the database file's mode, never makes them readable to others;
    warn when the directory is open to group or others."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    except OSError:
        return  # SQLite says why it cannot open the file, translated by _translate_faults.
    warn_if_exposed(path.parent)


def _make_private(path: Path) -> None:
    """Take group and others' access away from the database files (older installations)."""
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            if stat.S_IMODE(companion.stat().st_mode) & 0o077:
                companion.chmod(PRIVATE_FILE_MODE)
        except OSError:
            continue  # absent, or not ours to change: nothing more to do here


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = normalize_url(url)
        self.engine = build_engine(self.url, **options)
        self._turns = _writer_turns(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.readonly_sessions = sessionmaker(
            self.engine.execution_options(**{READONLY_OPTION: True}), expire_on_commit=False
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error. On SQLite
        the process's writers of the file take turns (``cdlink.store.writer_turns``)."""
        if self._turns is None:
            with self.sessions.begin() as session:
                yield session
            return
        with self._turns.turn(SQLITE_BUSY_TIMEOUT_MS / 1000), self.sessions.begin() as session:
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

    def probe_write(self) -> None:
        """Raise ``StorageError`` unless a write can be committed now.

        Rewrites the schema's revision row with itself and commits: a read-only file, a full
        disk or a read-only PostgreSQL transaction fails here as it would for any real write,
        while the row keeps its value. (A write rolled back would not reach the disk.)
        """
        try:
            with self.engine.begin() as connection:
                connection.execute(text(PROBE_STATEMENT))
        except SQLAlchemyError as error:
            raise StorageError(
                f"the database cannot be written ({type(error).__name__})"
            ) from error

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Database {make_url(self.url).render_as_string(hide_password=True)}>"
