"""Real worker processes over Redis and PostgreSQL: SIGKILL one in the middle of a run.

Two ``cdlink worker`` processes consume the queue; the test runs the scheduler. When one worker
has committed part of the stream, it is killed with SIGKILL (no clean-up of any kind). Its lease
expires, the scheduler queues the stream again, the other worker takes over from the cursor, and
in the end every marketplace record is imported exactly once, and no two workers ever ran the
stream at the same time.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import func, select

from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.jobs.distributed import SchedulerLoop, build_broker
from cdlink.jobs.environment import JobEnvironment
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Binding, StreamLease, SyncRun
from cdlink.sync.engine.streams import StreamRegistry
from tests.support.connections import add_connection
from tests.support.databases import REDIS_URL, postgres_database
from tests.support.sync_tables import (
    TableImporter,
    create_tables,
    local_records,
    publish,
    run_intervals,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 24
LEASE_SECONDS = 2
ENCRYPTION_KEY = Fernet.generate_key().decode()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.05)


@pytest.fixture
def postgres() -> Iterator[Database]:
    with postgres_database() as url:
        database = Database(url)
        migrate.upgrade(database)
        create_tables(database)
        yield database
        database.dispose()


def start_worker(database: Database, namespace: str, log: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "CDLINK_DATABASE_URL": database.url,
        "CDLINK_REDIS_URL": REDIS_URL,
        "CDLINK_SYNC_REDIS_NAMESPACE": namespace,
        "CDLINK_RUNTIME": "distributed",
        # As on real machines: the same keys everywhere (no key file raced for at start-up).
        "CDLINK_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "CDLINK_SYNC_LEASE_SECONDS": str(LEASE_SECONDS),
        "CDLINK_DATA_DIR": str(log.parent / "data"),
        "CDLINK_LOG_LEVEL": "WARNING",
        "CDLINK_TEST_FETCH_DELAY": "0.5",
    }
    command = [sys.executable, "-m", "cdlink", "worker", "--plugin", "tests.support.sync_plugin"]
    with log.open("wb") as output:
        return subprocess.Popen(
            [*command, "--threads", "1"], cwd=ROOT, env=environment, stdout=output, stderr=output
        )


def lease_holder_pid(database: Database) -> int | None:
    with database.reading() as session:
        holder = session.scalars(select(StreamLease.holder)).one_or_none()
    return int(holder.split(":")[-2]) if holder else None


@pytest.mark.slow
def test_given_a_worker_killed_mid_run_when_another_takes_over_then_nothing_is_lost_or_doubled(
    postgres: Database, settings: Settings, redis_namespace: str, tmp_path: Path
) -> None:
    clock = SystemClock()
    add_connection(postgres, clock)
    step = timedelta(minutes=2.4)
    publish(postgres, [(f"O-{n:02}", clock.now() - n * step, n) for n in range(1, RECORDS + 1)])
    registry = StreamRegistry()
    registry.register(TableImporter)
    settings = settings.model_copy(
        update={
            "sync_redis_namespace": redis_namespace,
            "sync_tick_seconds": 0.2,
            "sync_lease_seconds": LEASE_SECONDS,
        }
    )
    redis_client = Redis.from_url(REDIS_URL)
    scheduler = SchedulerLoop(
        JobEnvironment(settings, postgres, clock, registry),
        build_broker(REDIS_URL, redis_namespace),
        redis_client,
    )
    workers = [
        start_worker(postgres, redis_namespace, tmp_path / f"worker-{n}.log") for n in (1, 2)
    ]
    ticking = threading.Thread(target=scheduler.run, daemon=True)
    ticking.start()
    try:
        # Half the records left at least (a window each 0.5 s): the kill lands mid-run even when
        # this process is slow to send it on a loaded machine.
        wait_for(lambda: 2 <= len(local_records(postgres)) < RECORDS // 2)
        victim = lease_holder_pid(postgres)
        assert victim in {worker.pid for worker in workers}
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: _succeeded(postgres))
    finally:
        scheduler.stop()
        ticking.join()
        scheduler.actor.actor.broker.close()
        redis_client.close()
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)

    records = local_records(postgres)
    assert sorted(records) == [(f"O-{n:02}", n) for n in range(1, RECORDS + 1)]
    with postgres.reading() as session:
        assert session.scalar(select(func.count()).select_from(Binding)) == RECORDS
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert [(run.outcome, run.error_class) for run in runs] == [
        ("failed", "WorkerLost"),
        ("succeeded", None),
    ]
    intervals = run_intervals(postgres)
    assert len({holder for holder, _, _ in intervals}) == 2
    for (_, _, ended), (_, started, _) in itertools.pairwise(intervals):
        assert ended <= started  # never two workers inside the stream at once


def _succeeded(database: Database) -> bool:
    with database.reading() as session:
        outcomes = session.scalars(select(SyncRun.outcome)).all()
    return "succeeded" in outcomes
