"""``cdlink users``: the people who may log in."""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.users import create_user

app = typer.Typer(help="Users who may log in to the web interface.")


@app.command("create")
@friendly
def create(
    email: str = typer.Option(..., help="Login e-mail address."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
    ),
    admin: bool = typer.Option(True, "--admin/--no-admin", help="May manage apps and users."),
) -> None:
    """Create a user (the first one is usually the administrator)."""
    database = Database(load_settings().effective_database_url)
    try:
        migrate.ensure_current(database)
        with database.session() as session:
            user = create_user(session, SystemClock(), email, password, is_admin=admin)
            typer.echo(f"created user {user.email}{' (administrator)' if admin else ''}")
    finally:
        database.dispose()
