"""The two runtimes under test, as real processes: embedded on SQLite, distributed on PostgreSQL.

- ``sqlite``: one ``cdlink serve`` (web app + embedded scheduler and worker threads), the
  product's default deployment. Killing it kills the whole runtime; it is started again.
- ``postgresql``: N ``cdlink worker`` (Dramatiq over Redis) and one ``cdlink scheduler``; a
  random worker is killed each time.

The settings are the product's, through ``CDLINK_*`` variables, with shorter leases and timeouts
than the defaults so that a killed worker's stream is taken over in seconds rather than a
minute (the defaults are tuned for production, where kills are rare).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy.engine import make_url

from bench.chaos.processes import Supervised, cdlink_command, free_port

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Shorter than the defaults (60 s lease, 300 s queue timeout): see the module docstring.
TUNING = {
    "CDLINK_SYNC_TICK_SECONDS": "0.5",
    "CDLINK_SYNC_LEASE_SECONDS": "10",
    "CDLINK_SYNC_QUEUE_TIMEOUT_SECONDS": "30",
    "CDLINK_SYNC_CONTINUOUS_SECONDS": "5",
    "CDLINK_SYNC_WORKER_THREADS": "4",
    # The sandbox is local and has its own 429 bursts: a budget of 50 calls/s per seller (the
    # product's default is 10) keeps a 20,000-order run within minutes, not hours.
    "CDLINK_OCTOPIA_MAX_CALLS_PER_SECOND": "50",
    "CDLINK_LOG_LEVEL": "WARNING",
}


@dataclass
class RuntimeSetup:
    """What a run needs to start one runtime: its database and the processes' environment."""

    name: str
    database_url: str
    environment: dict[str, str]
    redis_url: str | None = None
    namespace: str | None = None

    def processes(self, log_dir: Path, workers: int) -> list[Supervised]:
        if self.name == "sqlite":
            environment = {**self.environment, "CDLINK_PORT": str(free_port())}
            return [Supervised("serve", cdlink_command("serve"), environment, log_dir)]
        started = [
            Supervised(f"worker-{n}", cdlink_command("worker"), self.environment, log_dir)
            for n in range(1, workers + 1)
        ]
        return [
            *started,
            Supervised("scheduler", cdlink_command("scheduler"), self.environment, log_dir),
        ]


def base_environment(data_dir: Path, database_url: str) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("CDLINK_")}
    return {
        **inherited,
        **TUNING,
        "CDLINK_DATA_DIR": str(data_dir),
        "CDLINK_DATABASE_URL": database_url,
        # As on real machines: the same keys in every process (no key file raced for).
        "CDLINK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CDLINK_SECRET_KEY": uuid.uuid4().hex,
    }


@contextmanager
def sqlite_runtime(run_dir: Path) -> Iterator[RuntimeSetup]:
    url = f"sqlite:///{run_dir / 'cdlink.sqlite3'}"
    environment = base_environment(run_dir / "data", url)
    environment.update(CDLINK_RUNTIME="embedded", CDLINK_SYNC_EMBEDDED_ENABLED="true")
    yield RuntimeSetup("sqlite", url, environment)


@contextmanager
def postgresql_runtime(
    run_dir: Path, postgres_url: str, redis_url: str, *, keep: bool
) -> Iterator[RuntimeSetup]:
    """A fresh database (dropped afterwards unless ``keep``) and a fresh Redis namespace."""
    name = f"cdlink_chaos_{uuid.uuid4().hex[:10]}"
    admin = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    namespace = f"cdlink-chaos-{uuid.uuid4().hex[:10]}"
    environment = base_environment(run_dir / "data", url)
    environment.update(
        CDLINK_RUNTIME="distributed",
        CDLINK_REDIS_URL=redis_url,
        CDLINK_SYNC_REDIS_NAMESPACE=namespace,
    )
    try:
        yield RuntimeSetup("postgresql", url, environment, redis_url, namespace)
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            forget_namespace(redis_url, namespace)


def forget_namespace(redis_url: str, namespace: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=f"{namespace}*"):
            client.delete(key)
    finally:
        client.close()
