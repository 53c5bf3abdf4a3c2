"""``cdlink orders import-history``: an initial import of past orders, with a progress bar.

The import is recorded (or the unfinished one of the same days resumed) and run by the sync
engine's ``orders_history`` stream. This command runs that stream in this process, in a thread,
and draws the import's progress as it is committed; when a runtime elsewhere (``cdlink serve`` or
a worker) holds the stream, the command follows its progress instead. Interrupted, it loses
nothing: run it again and it goes on from the last committed window.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import typer

from cdlink.cli.context import fail
from cdlink.core.clock import Clock
from cdlink.hub.orders import initial_imports
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import InitialImport
from cdlink.sync.engine.runner import RunReport
from cdlink.sync.orders.history import STREAM

#: Seconds between two looks at the progress, and before running a failed stream again.
POLL_SECONDS = 0.5
RETRY_SECONDS = 5.0


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date", "Write days as YYYY-MM-DD.")
        raise  # unreachable: fail() exits


class _Bar:
    """The progress bar, moved to the import's committed percent; on a terminal a bar, else
    (a log, a pipe) one line per step, which a bar cannot draw there."""

    def __init__(self, environment: JobEnvironment, clock: Clock, import_id: int) -> None:
        self.environment, self.clock, self.import_id = environment, clock, import_id
        self.shown = -1
        self.bar: Any = None

    def draw(self) -> InitialImport:
        record = read(self.environment, self.import_id)
        progress = initial_imports.progress(record, self.clock.now())
        if progress.percent <= self.shown:
            return record
        if self.bar is not None:
            self.bar.update(progress.percent - max(self.shown, 0))
        else:
            counted = f" ({progress.done}/{progress.total})" if progress.total is not None else ""
            typer.echo(f"import {self.import_id}: {progress.percent}%{counted}")
        self.shown = progress.percent
        return record


def follow(environment: JobEnvironment, clock: Clock, import_id: int, connection_id: int) -> str:
    """Run the stream until the import is finished, drawing its progress; returns its state."""
    drawing = _Bar(environment, clock, import_id)
    terminal = sys.stdout.isatty()
    # One line per marketplace call would break the bar; warnings and errors still show.
    logging.getLogger("httpx").setLevel(max(logging.getLogger().level, logging.WARNING))
    bar = typer.progressbar(length=100, label=f"import {import_id}", show_percent=True)
    with bar if terminal else contextlib.nullcontext(None) as drawn:
        drawing.bar = drawn
        while True:
            report = run_in_background(environment, connection_id, drawing.draw)
            record = drawing.draw()
            if record.state not in initial_imports.UNFINISHED:
                return record.state
            if report.outcome == "paused":
                fail(report.message or "the connection is paused", "Re-test it on the Apps page.")
            # "busy": a runtime elsewhere runs it, follow it; a failure: the engine retries.
            time.sleep(POLL_SECONDS if report.outcome == "busy" else RETRY_SECONDS)


def run_in_background(
    environment: JobEnvironment, connection_id: int, draw: Callable[[], object]
) -> RunReport:
    """One run of the stream in a thread while the progress is drawn from the database."""
    result: list[RunReport] = []
    worker = threading.Thread(
        target=lambda: result.append(
            environment.runner().run(connection_id, STREAM, trigger="manual")
        ),
        name="import-history",
        daemon=True,
    )
    worker.start()
    while worker.is_alive():
        worker.join(POLL_SECONDS)
        draw()
    return result[0] if result else RunReport("failed", message="the run stopped")


def read(environment: JobEnvironment, import_id: int) -> InitialImport:
    with environment.database.reading() as session:
        return session.get_one(InitialImport, import_id)
