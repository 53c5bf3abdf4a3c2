"""``cdlink apps``: connect, list, test and remove Cdiscount seller accounts from a terminal.

The same operations as the Apps page, through the same ``cdlink.hub.connections`` functions.
"""

from __future__ import annotations

import typer

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.cli.secret_input import read_secret
from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.connections import accounts as connections
from cdlink.hub.connections.rules import DEFAULT_NAME, ConnectionDraft
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.connections.check import (
    ConnectionChecker,
    OctopiaConnectionChecker,
    check_and_record,
)

app = typer.Typer(help="Connected Cdiscount seller accounts (the Apps page).")


def _open(settings: Settings) -> Database:
    database = Database(settings.effective_database_url)
    migrate.ensure_current(database)
    return database


def make_checker(settings: Settings) -> ConnectionChecker:
    """The marketplace check, at the ``CDLINK_OCTOPIA_*`` addresses."""
    return OctopiaConnectionChecker(settings)


@app.command("add")
@friendly
def add(
    *,
    seller_id: str = typer.Option(..., help="Your Seller ID (a number)."),
    client_id: str = typer.Option(..., help="The Client ID (or, with --legacy, the API login)."),
    client_secret: str | None = typer.Option(
        None,
        help="The Client Secret (or the API password); asked for when not given. "
        "Visible in `ps`: prefer the prompt or --client-secret-stdin.",
    ),
    client_secret_stdin: bool = typer.Option(
        False,
        "--client-secret-stdin",
        help="Read the Client Secret from the first line of standard input.",
    ),
    name: str = typer.Option(DEFAULT_NAME, help="A name for this application."),
    stock_sync: bool = typer.Option(
        False, "--stock-sync/--no-stock-sync", help="Send stock changes to Cdiscount."
    ),
    legacy: bool = typer.Option(False, "--legacy", help="Legacy API login and password."),
    token_url: str = typer.Option("", help="Token address (empty: Octopia's standard)."),
    api_url: str = typer.Option("", help="API address (empty: Octopia's standard)."),
    test: bool = typer.Option(True, "--test/--no-test", help="Test the connection once saved."),
) -> None:
    """Connect a Cdiscount seller account, then test it."""
    secret = read_secret(
        client_secret,
        from_stdin=client_secret_stdin,
        option="--client-secret",
        label="client secret",
    )
    settings = load_settings()
    draft = ConnectionDraft(
        name=name,
        seller_id=seller_id,
        client_id=client_id,
        secret=secret,
        auth_mode="password" if legacy else "client_credentials",
        token_url=token_url,
        api_url=api_url,
        stock_sync_enabled=stock_sync,
    )
    database = _open(settings)
    try:
        with database.session() as session:
            connection = connections.create_connection(
                session, SecretBox.from_settings(settings), SystemClock(), draft
            )
        typer.echo(
            f"added application {connection.id} ({connection.name}, seller {connection.seller_id})"
        )
        if test:
            _test(settings, database, connection.id)
    finally:
        database.dispose()


@app.command("list")
@friendly
def list_apps() -> None:
    """List the connected accounts (never their secrets)."""
    database = _open(load_settings())
    try:
        with database.reading() as session:
            found = connections.list_connections(session)
        if not found:
            typer.echo("no application yet: add one with `cdlink apps add`")
        for item in found:
            stock = "stock sync on" if item.stock_sync_enabled else "stock sync off"
            tested = (
                item.last_tested_at.isoformat(timespec="minutes")
                if item.last_tested_at
                else "never"
            )
            reason = f" ({item.state_reason})" if item.state_reason else ""
            typer.echo(
                f"{item.id:>4}  {item.name:<20} seller {item.seller_id:<10} "
                f"{item.auth_mode:<18} {item.state}{reason}, {stock}, tested {tested}"
            )
    finally:
        database.dispose()


@app.command("test")
@friendly
def check_app(
    connection_id: int = typer.Argument(..., help="The number from `apps list`."),
) -> None:
    """Test a connection against the marketplace and say what to do if it fails."""
    settings = load_settings()
    database = _open(settings)
    try:
        _test(settings, database, connection_id)
    finally:
        database.dispose()


def _test(settings: Settings, database: Database, connection_id: int) -> None:
    result = check_and_record(
        database,
        SecretBox.from_settings(settings),
        SystemClock(),
        make_checker(settings),
        connection_id,
    )
    if not result.succeeded:
        fail(result.title, result.advice)
    typer.echo(f"{result.title}: {result.advice}")


@app.command("remove")
@friendly
def remove(
    connection_id: int = typer.Argument(..., help="The number from `apps list`."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Stop a connection's syncs and erase its secret; imported data is kept."""
    settings = load_settings()
    database = _open(settings)
    try:
        with database.reading() as session:
            connection = connections.get_connection(session, connection_id)
        if not yes:
            typer.confirm(
                f"Remove {connection.name} (seller {connection.seller_id})? Its syncs "
                "stop; imported orders are kept.",
                abort=True,
            )
        with database.session() as session:
            connections.delete_connection(session, SystemClock(), connection_id)
        typer.echo(f"removed application {connection_id}; its imported data is kept")
    finally:
        database.dispose()
