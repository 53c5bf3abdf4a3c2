"""``cdlink tokens``: personal API tokens for the REST API."""

from __future__ import annotations

import typer
from sqlalchemy.orm import Session

from cdlink.cli.context import friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.store import access, migrate
from cdlink.store.engine import Database
from cdlink.store.models import User
from cdlink.store.users import UserError, find_user

app = typer.Typer(help="Personal API tokens (Authorization: Bearer …) for the REST API.")


def _database() -> Database:
    database = Database(load_settings().effective_database_url)
    migrate.ensure_current(database)
    return database


def _user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise UserError(f"there is no user {email}", hint="Check the e-mail address.")
    return user


@app.command("create")
@friendly
def create(
    email: str = typer.Option(..., help="The user the token acts as."),
    name: str = typer.Option(..., help="What will use it, e.g. 'ERP'."),
) -> None:
    """Create a token and print it once; only its hash is kept."""
    database = _database()
    try:
        with database.session() as session:
            user = _user(session, email)
            issued = access.issue_api_token(session, user, name, SystemClock().now())
            typer.echo(
                f"token {issued.record.id} for {email} ({name}); copy it now, it will "
                "not be shown again:"
            )
            typer.echo(issued.secret)
    finally:
        database.dispose()


@app.command("list")
@friendly
def list_tokens(email: str | None = typer.Option(None, help="Only this user's tokens.")) -> None:
    """List active tokens (never the tokens themselves)."""
    database = _database()
    try:
        with database.reading() as session:
            user_id = None if email is None else _user(session, email).id
            tokens = access.list_api_tokens(session, user_id)
            owners = {user.id: user.email for user in session.query(User).all()}
            if not tokens:
                typer.echo("no active token")
            for token in tokens:
                used = (
                    token.last_used_at.isoformat(timespec="minutes")
                    if token.last_used_at
                    else "never"
                )
                typer.echo(
                    f"{token.id:>4}  {token.prefix}…  {token.name:<24} "
                    f"{owners.get(token.user_id, '?'):<30} last used {used}"
                )
    finally:
        database.dispose()


@app.command("revoke")
@friendly
def revoke(token_id: int = typer.Argument(..., help="The number shown by `tokens list`.")) -> None:
    """Revoke a token: it stops working at once."""
    database = _database()
    try:
        with database.session() as session:
            token = access.revoke_api_token(session, token_id, SystemClock().now())
            typer.echo(f"revoked token {token.id} ({token.name})")
    finally:
        database.dispose()
