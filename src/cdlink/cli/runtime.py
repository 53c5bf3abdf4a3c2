"""``cdlink worker`` and ``cdlink scheduler``: the distributed runtime's two processes.

Both stop cleanly on SIGTERM or Ctrl+C within ``CDLINK_SHUTDOWN_SECONDS`` (and a little), with
status 0: the worker's running jobs stop at their next step, the scheduler after its tick.
"""

from __future__ import annotations

import contextlib
import logging
import threading

import typer
from redis import Redis

from cdlink.cli.context import fail, friendly, load_settings, on_stop_signals
from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.jobs.distributed import QUEUES, SchedulerLoop, Worker, build_broker
from cdlink.jobs.environment import JobEnvironment, load_plugins
from cdlink.jobs.marketplace import shared_clients
from cdlink.jobs.redis_faults import ensure_redis
from cdlink.store import migrate
from cdlink.store.engine import Database

log = logging.getLogger(__name__)

PLUGINS = typer.Option([], "--plugin", help="Import this module first (it registers streams).")
LANES = typer.Option(
    [],
    "--lane",
    help="Consume only this lane's queue (live or bulk; repeatable). Default: every lane.",
)


@friendly
def worker(
    threads: int | None = typer.Option(None, help="Worker threads [CDLINK_SYNC_WORKER_THREADS]."),
    live_threads: int | None = typer.Option(
        None, help="More threads for the live lane alone [CDLINK_SYNC_LIVE_THREADS]."
    ),
    lane: list[str] = LANES,
    plugin: list[str] = PLUGINS,
) -> None:
    """Run stream jobs from the Redis queues until stopped (SIGTERM or Ctrl+C)."""
    load_plugins(plugin)
    settings = load_settings(sync_worker_threads=threads, sync_live_threads=live_threads)
    ensure_redis(settings.redis_url)
    lanes = _lanes(lane)
    database = _database(settings)
    broker = build_broker(settings.redis_url, settings.sync_redis_namespace)
    clock = SystemClock()
    stopping = threading.Event()
    clients = shared_clients(settings, clock, Redis.from_url(settings.redis_url), stopping=stopping)
    environment = JobEnvironment(settings, database, clock, clients=clients, stopping=stopping)
    process = Worker(
        environment,
        broker,
        threads=settings.sync_worker_threads,
        live_threads=settings.sync_live_threads,
        live_broker=build_broker(settings.redis_url, settings.sync_redis_namespace),
        lanes=lanes,
    )
    stopped = threading.Event()
    with _stopping(stopped):
        process.start()
        typer.echo(
            f"cdlink worker: {settings.sync_worker_threads} thread(s) on {', '.join(lanes)}"
            f"{_live_note(settings, lanes)}, waiting for jobs"
        )
        stopped.wait()
        typer.echo(
            "cdlink worker: stopping the jobs in progress "
            f"(at most {settings.shutdown_seconds:g} s)"
        )
        process.stop()
    database.dispose()


def _lanes(chosen: list[str]) -> list[str]:
    unknown = sorted(set(chosen) - set(QUEUES))
    if unknown:
        fail(
            f"unknown lane {', '.join(unknown)}",
            f"Choose among: {', '.join(QUEUES)} (or leave --lane out for every lane).",
        )
    return [name for name in QUEUES if not chosen or name in chosen]


def _live_note(settings: Settings, lanes: list[str]) -> str:
    if "live" not in lanes or settings.sync_live_threads == 0:
        return ""
    return f" + {settings.sync_live_threads} on live only"


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
    with _stopping(loop.stopped):
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


def _stopping(stopped: threading.Event) -> contextlib.AbstractContextManager[None]:
    """Set ``stopped`` on SIGTERM or SIGINT (a clean shutdown); the old handlers come back after."""
    return on_stop_signals(lambda _number, _frame: stopped.set())
