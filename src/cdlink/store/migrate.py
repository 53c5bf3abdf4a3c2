"""Schema migrations: the only way cdlink's schema changes (``cdlink db upgrade``)."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cdlink.core.errors import StorageError
from cdlink.store.engine import Database

SCRIPT_LOCATION = "cdlink.store:migrations"


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # ConfigParser treats % as interpolation; escape it for passwords that contain one.
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default)."""
    _run(database, lambda config: command.upgrade(config, revision))


def downgrade(database: Database, revision: str) -> None:
    """Take the schema back down to ``revision`` (``base`` removes every table)."""
    _run(database, lambda config: command.downgrade(config, revision))


def _run(database: Database, action: Callable[[Config], None]) -> None:
    config = alembic_config(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config)


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(database: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()


def ensure_current(database: Database) -> None:
    """Raise ``StorageError`` unless the schema is at the newest revision."""
    current, head = current_revision(database), head_revision(database)
    if current != head:
        raise StorageError(
            f"the database schema is at {current or 'nothing'}, cdlink needs {head}",
            hint="Run `cdlink db upgrade` (back up the database first).",
        )
