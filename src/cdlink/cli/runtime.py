"""``cdlink worker`` and ``cdlink scheduler``: the distributed runtime's two processes."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import typer
from redis import Redis

from cdlink.cli.context import friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.jobs.distributed import SchedulerLoop, Worker, build_broker
from cdlink.jobs.environment import JobEnvironment, load_plugins
from cdlink.jobs.marketplace import shared_clients
from cdlink.jobs.redis_faults import ensure_redis
from cdlink.store import migrate
from cdlink.store.engine import Database

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PLUGINS = typer.Option([], "--plugin", help="Import this module first (it registers streams).")


@friendly
def worker(
    threads: int | None = typer.Option(None, help="Worker threads [CDLINK_SYNC_WORKER_THREADS]."),
    plugin: list[str] = PLUGINS,
) -> None:
    """Run stream jobs from the Redis queue until stopped (SIGTERM or Ctrl+C)."""
    load_plugins(plugin)
    settings = load_settings(sync_worker_threads=threads)
    ensure_redis(settings.redis_url)
    database = _database(settings)
    broker = build_broker(settings.redis_url, settings.sync_redis_namespace)
    clock = SystemClock()
    clients = shared_clients(settings, clock, Redis.from_url(settings.redis_url))
    environment = JobEnvironment(settings, database, clock, clients=clients)
    process = Worker(environment, broker, threads=settings.sync_worker_threads)
    stopped = threading.Event()
    with _stop_on_signals(stopped):
        process.start()
        typer.echo(f"cdlink worker: {settings.sync_worker_threads} thread(s), waiting for jobs")
        stopped.wait()
        typer.echo("cdlink worker: finishing the jobs in progress")
        process.stop()
    database.dispose()


@friendly
def scheduler(plugin: list[str] = PLUGINS) -> None:
    """Queue due streams while this process is the leader (run one or more for failover)."""
    load_plugins(plugin)
    settings = load_settings()
    ensure_redis(settings.redis_url)
    database = _database(settings)
    broker = build_broker(settings.redis_url, settings.sync_redis_namespace)
    environment = JobEnvironment(settings, database, SystemClock())
    redis_client = Redis.from_url(settings.redis_url)
    loop = SchedulerLoop(environment, broker, redis_client)
    with _stop_on_signals(loop.stopped):
        typer.echo("cdlink scheduler: running (one leader at a time)")
        loop.run()
    typer.echo("cdlink scheduler: stopped")
    broker.close()
    redis_client.close()
    database.dispose()


def _database(settings: Settings) -> Database:
    if settings.runtime != "distributed":
        typer.secho(
            "warning: CDLINK_RUNTIME is not 'distributed', so `cdlink serve` also runs streams "
            "in its own process; set CDLINK_RUNTIME=distributed everywhere",
            fg=typer.colors.YELLOW,
            err=True,
        )
    database = Database(settings.effective_database_url)
    migrate.ensure_current(database)
    if database.backend == "sqlite":
        log.warning("the distributed runtime is meant for PostgreSQL; this is SQLite")
    return database


@contextmanager
def _stop_on_signals(stopped: threading.Event) -> Iterator[None]:
    """Set ``stopped`` on SIGTERM or SIGINT (a clean shutdown); the old handlers come back after."""

    def _handle(_signal: int, _frame: FrameType | None) -> None:
        stopped.set()

    previous = {number: signal.signal(number, _handle) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
