"""The ``cdlink`` command: one entry point for operators and integrators."""

from __future__ import annotations

import typer

from cdlink import __version__
from cdlink.cli import (
    apps_commands,
    db,
    orders_commands,
    runtime_commands,
    sandbox_command,
    secrets_commands,
    serve,
    stock,
    sync_commands,
    tokens_commands,
    users_commands,
)

app = typer.Typer(
    name="cdlink",
    help="cdlink: a self-hosted Cdiscount seller hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(secrets_commands.app, name="secrets")
app.add_typer(users_commands.app, name="users")
app.add_typer(apps_commands.app, name="apps")
app.add_typer(tokens_commands.app, name="tokens")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.add_typer(sync_commands.app, name="sync")
app.add_typer(orders_commands.app, name="orders")
app.add_typer(stock.app, name="stock")
app.command("worker")(runtime_commands.worker)
app.command("scheduler")(runtime_commands.scheduler)
app.command("sandbox")(sandbox_command.sandbox)


@app.command()
def version() -> None:
    """Print cdlink's version."""
    typer.echo(f"cdlink {__version__}")


def run() -> None:
    app()
