"""The ``cdlink`` command: one entry point for operators and integrators."""

from __future__ import annotations

import errno
import logging
from typing import NoReturn

import typer
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from cdlink import __version__
from cdlink.cli import (
    carriers,
    catalog,
    connections,
    customers,
    db,
    discussions,
    finance,
    indicators,
    notifications,
    orders,
    orders_lists,
    pricing,
    runtime,
    sandbox,
    secrets,
    serve,
    stock,
    sync,
    tokens,
    users,
    webhooks,
)
from cdlink.cli.context import fail
from cdlink.core.errors import CdlinkError
from cdlink.core.settings import Settings
from cdlink.jobs.redis_faults import redis_fault

log = logging.getLogger(__name__)

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
orders.app.command("list")(orders_lists.list_command)
orders.app.command("show")(orders_lists.show_command)
orders.app.command("export")(orders_lists.export_command)
app.add_typer(orders.app, name="orders")
app.add_typer(discussions.app, name="discussions")
app.add_typer(customers.app, name="customers")
app.add_typer(carriers.app, name="carriers")
app.add_typer(notifications.app, name="notifications")
app.command("indicators")(indicators.indicators)
app.add_typer(stock.app, name="stock")
app.add_typer(catalog.app, name="catalog")
app.add_typer(pricing.prices_app, name="prices")
app.add_typer(pricing.promotions_app, name="promotions")
app.add_typer(finance.app, name="finance")
app.add_typer(finance.invoices_app, name="invoices")
app.add_typer(webhooks.app, name="webhooks")
app.command("worker")(runtime.worker)
app.command("scheduler")(runtime.scheduler)
app.command("sandbox")(sandbox.sandbox)


@app.command()
def version() -> None:
    """Print cdlink's version."""
    typer.echo(f"cdlink {__version__}")


def run() -> None:
    """The ``cdlink`` command. A fault of the machine or a service it needs (disk full, a read-only
    file, PostgreSQL or Redis unreachable) that no command turned into advice is still told in
    one line, with exit code 1, never as a traceback."""
    try:
        app()
    except CdlinkError as error:
        _stop(str(error), error.hint)
    except RedisError as error:
        fault = redis_fault(error, _redis_url())
        _stop(fault.message, fault.hint)
    except SQLAlchemyError as error:
        log.debug("database error", exc_info=error)
        _stop(
            f"the database failed ({_first_line(error)})",
            "Check CDLINK_DATABASE_URL and that the database server runs, then try again.",
        )
    except OSError as error:
        _stop(_os_error(error), _os_hint(error))


def _stop(message: str, hint: str) -> NoReturn:
    """``fail`` outside a command: Typer is no longer there to turn its Exit into an exit code."""
    try:
        fail(message, hint)
    except typer.Exit as stopped:
        raise SystemExit(stopped.exit_code) from None
    raise SystemExit(1)


def _redis_url() -> str:
    try:
        return Settings().redis_url
    except ValueError:
        return "redis://"


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _os_error(error: OSError) -> str:
    where = f" {error.filename}" if error.filename else ""
    return f"cannot use{where}: {error.strerror or error}"


def _os_hint(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "Free some disk space, then try again."
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "Make the data directory (CDLINK_DATA_DIR) writable by the user running cdlink."
    return "Check the data directory (CDLINK_DATA_DIR) and the settings, then try again."
