"""``cdlink users``: the people who may log in."""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.secret_input import read_secret
from cdlink.core.clock import SystemClock
from cdlink.store import access, migrate
from cdlink.store.engine import Database
from cdlink.store.users import UserError, create_user, find_user, set_password

app = typer.Typer(help="Users who may log in to the web interface.")

PASSWORD = typer.Option(
    None,
    help="At least 10 characters. Visible in `ps`: prefer --password-stdin or the prompt.",
)
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


@app.command("create")
@friendly
def create(
    email: str = typer.Option(..., help="Login e-mail address."),
    password: str | None = PASSWORD,
    password_stdin: bool = PASSWORD_STDIN,
    admin: bool = typer.Option(True, "--admin/--no-admin", help="May manage apps and users."),
) -> None:
    """Create a user (the first one is usually the administrator); asks for the password."""
    secret = read_secret(
        password, from_stdin=password_stdin, option="--password", label="password", confirm=True
    )
    database = Database(load_settings().effective_database_url)
    try:
        migrate.ensure_current(database)
        with database.session() as session:
            user = create_user(session, SystemClock(), email, secret, is_admin=admin)
            typer.echo(f"created user {user.email}{' (administrator)' if admin else ''}")
    finally:
        database.dispose()


@app.command("set-password")
@friendly
def change_password(
    email: str = typer.Option(..., help="Login e-mail address."),
    password: str | None = PASSWORD,
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Give a user a new password (asked for); their browser sessions end."""
    secret = read_secret(
        password, from_stdin=password_stdin, option="--password", label="password", confirm=True
    )
    database = Database(load_settings().effective_database_url)
    try:
        migrate.ensure_current(database)
        with database.session() as session:
            user = find_user(session, email)
            if user is None:
                raise UserError(
                    f"there is no user {email}",
                    hint="Check the address, or create the user with `cdlink users create`.",
                )
            set_password(user, secret)
            access.close_all_sessions(session, user.id)
            typer.echo(f"new password set for {user.email}; their sessions were closed")
    finally:
        database.dispose()
