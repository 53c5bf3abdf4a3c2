"""Storage faults told plainly: a driver error that means "the database cannot be written or
reached" becomes a ``StorageError`` naming what and where, with what to do.

The engine's ``handle_error`` hook calls ``storage_fault`` for every driver error, so a read-only
file, a full disk or a PostgreSQL that refuses connections reaches the web layer as a 503 with a
hint (and the command line as one sentence), never as a traceback. Only these faults are
translated: "database is locked", a unique violation and the like keep their own classes, since
callers rely on them.

SQLite reports them by result code (``sqlite_errorcode``, Python 3.11+) and message; PostgreSQL by
SQLSTATE (``25006`` read-only transaction, ``53100`` disk full, ``08…``/``57P…`` connection lost)
or, when the connection could not even open, by a ``psycopg.OperationalError`` without one.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from cdlink.core.errors import StorageError
from cdlink.core.translatable import translatable

# SQLite primary result codes (https://sqlite.org/rescode.html).
SQLITE_IOERR, SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN = 10, 8, 13, 14

_SQLITE_MESSAGES = (
    ("readonly database", SQLITE_READONLY),
    ("database or disk is full", SQLITE_FULL),
    ("disk i/o error", SQLITE_IOERR),
    ("unable to open database file", SQLITE_CANTOPEN),
)
_POSTGRES_REASONS = (
    ("connection refused", "connection refused"),
    ("timeout expired", "timed out"),
    ("timed out", "timed out"),
    ("could not translate host name", "unknown host name"),
    ("name or service not known", "unknown host name"),
    ("password authentication failed", "password authentication failed"),
    ("does not exist", "the database does not exist"),
    ("terminating connection", "the server closed the connection"),
    ("server closed the connection", "the server closed the connection"),
    ("the database system is", "the server is starting up or shutting down"),
)

READ_ONLY_HINT = translatable(
    "Make the database file and its directory writable by the user running cdlink "
    "(or remount the disk read-write), then try again."
)
FULL_HINT = translatable("Free some space on the disk that holds the database, then try again.")
IO_HINT = translatable("Check the disk that holds the database (df -h, dmesg), then try again.")
POSTGRES_READ_ONLY_HINT = translatable(
    "Point CDLINK_DATABASE_URL at the primary PostgreSQL server (not a standby), "
    "or turn off default_transaction_read_only."
)
UNREACHABLE_HINT = translatable(
    "Start PostgreSQL, or correct the host, port and credentials in CDLINK_DATABASE_URL."
)


def where(url: str) -> str:
    """The database's place for a message: a file path, or host:port/name (never a password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return (parsed.database or ":memory:").removeprefix("file:")
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def storage_fault(error: BaseException, url: str) -> StorageError | None:
    """The ``StorageError`` a driver error stands for, or None when it is no storage fault."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_fault(error, where(url))
    if backend == "postgresql":
        return _postgres_fault(error, where(url))
    return None


def _sqlite_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(error).lower()
    return next((code for phrase, code in _SQLITE_MESSAGES if phrase in text), None)


def _sqlite_fault(error: BaseException, place: str) -> StorageError | None:
    code = _sqlite_code(error)
    if code == SQLITE_READONLY:
        return StorageError(f"the database {place} is read-only", hint=READ_ONLY_HINT)
    if code == SQLITE_FULL:
        return StorageError(f"the disk holding the database {place} is full", hint=FULL_HINT)
    if code == SQLITE_IOERR:
        return StorageError(
            f"the database {place} cannot be read or written (disk I/O error)", hint=IO_HINT
        )
    if code == SQLITE_CANTOPEN:
        return StorageError(f"cannot open the database file {place}", hint=READ_ONLY_HINT)
    return None


def _postgres_fault(error: BaseException, place: str) -> StorageError | None:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate == "25006":
        return StorageError(
            f"the PostgreSQL database {place} is read-only", hint=POSTGRES_READ_ONLY_HINT
        )
    if sqlstate == "53100":
        return StorageError(f"the disk of the PostgreSQL server {place} is full", hint=FULL_HINT)
    unreachable = sqlstate is None and type(error).__name__ == "OperationalError"
    if unreachable or (sqlstate or "").startswith(("08", "57P")):
        return StorageError(
            f"cannot reach PostgreSQL at {place} ({_postgres_reason(error)})",
            hint=UNREACHABLE_HINT,
        )
    return None


def _postgres_reason(error: BaseException) -> str:
    text = str(error).lower()
    return next((reason for phrase, reason in _POSTGRES_REASONS if phrase in text), "no answer")
