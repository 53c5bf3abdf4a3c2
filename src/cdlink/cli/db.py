"""``cdlink db``: schema migrations."""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.store import migrate
from cdlink.store.engine import Database

app = typer.Typer(help="Database schema: upgrade, downgrade, show the current revision.")


@app.command()
@friendly
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (safe to run at every start)."""
    database = Database(load_settings().effective_database_url)
    try:
        migrate.upgrade(database, revision)
        typer.echo(f"database schema at {migrate.current_revision(database)} ({database!r})")
    finally:
        database.dispose()


@app.command()
@friendly
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Take the schema back to an older revision (data in dropped tables is lost)."""
    database = Database(load_settings().effective_database_url)
    try:
        migrate.downgrade(database, revision)
        typer.echo(f"database schema at {migrate.current_revision(database) or 'base'}")
    finally:
        database.dispose()


@app.command()
@friendly
def current() -> None:
    """Show the schema revision of the database and the newest one cdlink knows."""
    database = Database(load_settings().effective_database_url)
    try:
        typer.echo(f"current: {migrate.current_revision(database) or 'empty database'}")
        typer.echo(f"newest:  {migrate.head_revision(database)}")
    finally:
        database.dispose()
