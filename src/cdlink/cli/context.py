"""What every command needs: settings, logging, and errors shown as advice, not tracebacks."""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from cdlink.core.errors import CdlinkError
from cdlink.core.logs import configure_logging
from cdlink.core.redaction import redact
from cdlink.core.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with command-line overrides on top."""
    values = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"CDLINK_{'_'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        fail(f"invalid settings: {problems}", "Fix them in your environment or .env file.")
    configure_logging(settings)
    return settings


def fail(message: str, hint: str) -> None:
    """Print the error and what to do on one line (one log record under systemd), exit 1."""
    typer.secho(f"error: {redact(message)}. hint: {hint}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``CdlinkError`` into its message and hint, with exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CdlinkError as error:
            fail(str(error), error.hint)
            raise  # unreachable: fail() exits

    return wrapper


#: The signals that ask a long-running command (serve, worker, scheduler) to stop cleanly.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def on_stop_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """Call ``handler`` on SIGTERM or SIGINT within the block; the old handlers come back after."""
    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
