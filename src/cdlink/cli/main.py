"""The ``cdlink`` command: one entry point for operators and integrators."""

from __future__ import annotations

import typer

from cdlink import __version__
from cdlink.cli import (
    connections,
    db,
    orders,
    runtime,
    sandbox,
    secrets,
    serve,
    stock,
    sync,
    tokens,
    users,
)

app = typer.Typer(
    name="cdlink",
    help="cdlink: a self-hosted Cdiscount seller hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(secrets.app, name="secrets")
app.add_typer(users.app, name="users")
app.add_typer(connections.app, name="apps")
app.add_typer(tokens.app, name="tokens")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.add_typer(sync.app, name="sync")
app.add_typer(orders.app, name="orders")
app.add_typer(stock.app, name="stock")
app.command("worker")(runtime.worker)
app.command("scheduler")(runtime.scheduler)
app.command("sandbox")(sandbox.sandbox)


@app.command()
def version() -> None:
    """Print cdlink's version."""
    typer.echo(f"cdlink {__version__}")


def run() -> None:
    app()
