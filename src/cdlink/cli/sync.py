"""``cdlink sync``: run a stream now, see how every stream is doing, retry a dead one."""

from __future__ import annotations

import typer

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.jobs.environment import JobEnvironment, load_plugins
from cdlink.jobs.marketplace import in_process_clients
from cdlink.store.engine import Database
from cdlink.sync.engine import quarantine, schedules
from cdlink.sync.engine.connections import find_connection
from cdlink.sync.engine.status import StreamStatus, stream_statuses

app = typer.Typer(help="Sync engine: run streams, ask for a run, show status, retry dead ones.")

CONNECTION = typer.Option(..., "--connection", "-c", help="Connection id or name.")
STREAM = typer.Option(..., "--stream", "-s", help="Stream name, e.g. orders.")
PLUGINS = typer.Option([], "--plugin", help="Import this module first (it registers streams).")


@app.command("run")
@friendly
def run(connection: str = CONNECTION, stream: str = STREAM, plugin: list[str] = PLUGINS) -> None:
    """Run one stream of one connection now, in this process, and print the outcome."""
    load_plugins(plugin)
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        clock = SystemClock()
        clients = in_process_clients(settings, clock)
        environment = JobEnvironment(settings, database, clock, clients=clients)
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
        report = environment.runner().run(connection_id, stream, trigger="manual")
    finally:
        database.dispose()
    counts = ", ".join(f"{key} {value}" for key, value in sorted(report.counts.items()))
    typer.echo(f"{stream}: {report.outcome}" + (f" ({counts})" if counts else ""))
    if report.outcome != "succeeded":
        fail(report.message or report.outcome, "See `cdlink sync status` and the sync log.")


@app.command("status")
@friendly
def status(
    connection: str | None = typer.Option(None, "--connection", "-c", help="Only this one."),
) -> None:
    """Show every stream of every connection: schedule, health, last outcome."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id if connection else None
            lines = stream_statuses(session, SystemClock().now(), connection_id)
    finally:
        database.dispose()
    if not lines:
        typer.echo("no stream is scheduled yet (streams appear once a connection is active)")
        return
    typer.echo(f"{'connection':<24} {'stream':<12} {'every':>7} {'state':<16} last run")
    for line in lines:
        typer.echo(_line(line))


def _line(line: StreamStatus) -> str:
    every = f"{line.interval_seconds}s" if line.interval_seconds else "events"
    state = line.state if line.connection_state == "active" else line.connection_state
    if line.running_on:
        state = "running"
    elif line.failures and line.state != "dead":
        state = f"failing ({line.failures})"
    last = line.last_outcome or "never"
    if line.last_message and line.last_outcome != "succeeded":
        last = f"{last}: {line.last_message}"
    if line.running_on:
        # The lease holder is "host:pid:token": the token means nothing to a person.
        last = f"{last} [now on {line.running_on.rsplit(':', 1)[0]}]"
    name = f"{line.connection_id} {line.connection_name}"[:24]
    return f"{name:<24} {line.stream:<12} {every:>7} {state:<16} {last}"


@app.command("now")
@friendly
def now(connection: str = CONNECTION, stream: str = STREAM) -> None:
    """Ask the scheduler (embedded or distributed) to run a stream at its next tick."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            found = find_connection(session, connection)
            schedules.request_run(
                session, found.id, stream, now=SystemClock().now(), trigger="manual"
            )
    finally:
        database.dispose()
    typer.echo(f"{stream} of connection {found.id} will run at the scheduler's next tick")


@app.command("quarantine")
@friendly
def quarantined(
    connection: str | None = typer.Option(None, "--connection", "-c", help="Only this one."),
) -> None:
    """List the marketplace records that could not be imported, with the reason."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id if connection else None
            entries = quarantine.open_entries(session, connection_id)
            lines = [
                f"#{entry.id:<5} {entry.connection_id:>4} {entry.stream:<12} "
                f"{entry.external_id:<24} "
                f"seen {entry.occurrences}x, last {entry.last_seen_at:%Y-%m-%d %H:%M} UTC: "
                f"{entry.reason}"
                for entry in entries
            ]
    finally:
        database.dispose()
    typer.echo("\n".join(lines) if lines else "nothing in quarantine")


@app.command("dismiss")
@friendly
def dismiss(
    entry: int = typer.Argument(..., help="The entry's number (# in `sync quarantine`)."),
) -> None:
    """Acknowledge a quarantined record: it leaves the list and stays out while it is the same."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            quarantine.dismiss(session, entry, SystemClock().now())
    finally:
        database.dispose()
    typer.echo(f"quarantine entry {entry} dismissed")


@app.command("retry")
@friendly
def retry(connection: str = CONNECTION, stream: str = STREAM) -> None:
    """Bring a dead stream back and ask the scheduler to run it now."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    clock = SystemClock()
    try:
        with database.session() as session:
            found = find_connection(session, connection)
            schedules.retry_dead(session, found.id, stream, now=clock.now())
    finally:
        database.dispose()
    typer.echo(f"{stream} of connection {found.id} will run at the scheduler's next tick")


@app.command("interval")
@friendly
def interval(
    connection: str = CONNECTION,
    stream: str = STREAM,
    every: str = typer.Argument(
        ..., help=f"One of: {', '.join(schedules.INTERVAL_CHOICES)}, or default."
    ),
) -> None:
    """Set how often a stream of a connection runs."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            found = find_connection(session, connection)
            schedules.set_interval(
                session,
                found.id,
                stream,
                every,
                continuous=settings.sync_continuous_seconds,
                now=SystemClock().now(),
            )
    finally:
        database.dispose()
    typer.echo(f"{stream} of connection {found.id} now runs: {every}")
