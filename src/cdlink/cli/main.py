"""The ``cdlink`` command: one entry point for operators and integrators."""

from __future__ import annotations

import errno
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import typer
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from cdlink import __version__
from cdlink.cli.context import fail
from cdlink.core.errors import CdlinkError
from cdlink.core.settings import Settings
from cdlink.jobs.redis_faults import redis_fault

log = logging.getLogger(__name__)

#: Every command of ``cdlink``, in the order of its help: the module that holds it, the attribute
#: (a Typer group or a command function) and whether it is a group. A command's module is only
#: imported when the command is added: ``cdlink serve`` does not import the catalog's CLI, and
#: no command but those that print the API's models imports the web app.
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "db": ("cdlink.cli.db", "app", True),
    "secrets": ("cdlink.cli.secrets", "app", True),
    "users": ("cdlink.cli.users", "app", True),
    "apps": ("cdlink.cli.connections", "app", True),
    "tokens": ("cdlink.cli.tokens", "app", True),
    "serve": ("cdlink.cli.serve", "serve", False),
    "demo": ("cdlink.cli.serve", "demo", False),
    "sync": ("cdlink.cli.sync", "app", True),
    "orders": ("cdlink.cli.orders_lists", "orders_app", True),
    "discussions": ("cdlink.cli.discussions", "app", True),
    "customers": ("cdlink.cli.customers", "app", True),
    "carriers": ("cdlink.cli.carriers", "app", True),
    "notifications": ("cdlink.cli.notifications", "app", True),
    "indicators": ("cdlink.cli.indicators", "indicators", False),
    "stock": ("cdlink.cli.stock", "app", True),
    "catalog": ("cdlink.cli.catalog", "app", True),
    "prices": ("cdlink.cli.pricing", "prices_app", True),
    "promotions": ("cdlink.cli.pricing", "promotions_app", True),
    "finance": ("cdlink.cli.finance", "app", True),
    "invoices": ("cdlink.cli.finance", "invoices_app", True),
    "webhooks": ("cdlink.cli.webhooks", "app", True),
    "worker": ("cdlink.cli.runtime", "worker", False),
    "scheduler": ("cdlink.cli.runtime", "scheduler", False),
    "sandbox": ("cdlink.cli.sandbox", "sandbox", False),
}


def build(names: Sequence[str] | None = None) -> typer.Typer:
    """The ``cdlink`` app with the commands ``names`` (every one by default)."""
    app = typer.Typer(
        name="cdlink",
        help="cdlink: a self-hosted Cdiscount seller hub.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    # A callback keeps the app a group of commands even when it is built with one of them
    # (Typer would otherwise run that one without its name).
    app.callback()(_root)
    for name in COMMANDS if names is None else names:
        module, attribute, group = COMMANDS[name]
        found = getattr(importlib.import_module(module), attribute)
        if group:
            app.add_typer(found, name=name)
        else:
            app.command(name)(found)
    app.command("version")(version)
    return app


def _root() -> None:
    """cdlink: a self-hosted Cdiscount seller hub."""


def version() -> None:
    """Print cdlink's version."""
    typer.echo(f"cdlink {__version__}")


_built: list[typer.Typer] = []


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole ``cdlink`` app, built on first use (tests invoke it)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _built:
        _built.append(build())
    return _built[0]


def _for(arguments: Sequence[str]) -> Callable[[], object]:
    """The app for these arguments: with only the command they name, when they name one."""
    named = next((argument for argument in arguments if not argument.startswith("-")), None)
    if named == "version":
        return build([])
    return build([named]) if named in COMMANDS else build()


def run() -> None:
    """The ``cdlink`` command. A fault of the machine or a service it needs (disk full, a read-only
    file, PostgreSQL or Redis unreachable) that no command turned into advice is still told in
    one line, with exit code 1, never as a traceback."""
    try:
        _for(sys.argv[1:])()
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
