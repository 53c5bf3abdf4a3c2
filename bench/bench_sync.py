"""Sync engine overheads: what the engine's bookkeeping costs over the raw writes it wraps.

- import: marketplace records imported per second through a stream run (lease, run record,
  cursor windows, a binding per record, fencing) against plain inserts of the same rows in the
  same number of transactions, on SQLite, as a ratio;
- scheduler: ticks per second with many connections and nothing due (the steady state);
- shared budget: ``Budget.acquire`` per second with the Redis store every worker shares, against
  the in-memory store of one process, as a ratio (the price of one budget for all workers).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from bench.harness import Measurement, Options, rate
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.redis_stores import RedisBudgetStore
from cdlink.jobs.scheduler import Scheduler
from cdlink.octopia import Budget, BudgetPolicy, InMemoryBudgetStore
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.engine.importer import Importer
from cdlink.sync.engine.runner import StreamRunner
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.engine.windows import Window

NAME = "sync"
RECORDS = 1000
WINDOWS = 10

metadata = MetaData()
local = Table(
    "bench_local",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(40)),
    Column("value", Integer),
)


class MemoryImporter(Importer[tuple[str, int], dict[str, Any]]):
    """Records come from memory, so only the engine and the database are measured."""

    name = "bench_orders"
    kind = "bench_order"
    history = timedelta(hours=WINDOWS)
    lookback = timedelta(0)
    window_size = timedelta(hours=1)
    per_window = RECORDS // WINDOWS
    serial = itertools.count()

    def fetch(self, context: StreamContext, window: Window) -> Iterable[tuple[str, int]]:
        return [(f"R-{next(self.serial)}", n) for n in range(self.per_window)]

    def external_id(self, record: tuple[str, int]) -> str:
        return record[0]

    def map(self, record: tuple[str, int]) -> dict[str, Any]:
        return {"external_id": record[0], "value": record[1]}

    def write(
        self, session: Session, context: StreamContext, mapped: dict[str, Any], local_id: str | None
    ) -> str:
        result = session.execute(insert(local).values(**mapped).returning(local.c.id))
        return str(result.scalar_one())


def run(options: Options) -> list[Measurement]:
    seconds = 0.5 if options.quick else 2.0
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        migrate.upgrade(database)
        metadata.create_all(database.engine)
        clock = ManualClock()
        try:
            return [
                *importing(database, clock, seconds),
                *scheduling(database, clock, seconds),
                *budgeting(seconds),
            ]
        finally:
            database.dispose()


def new_connection(database: Database, clock: ManualClock, number: int) -> int:
    with database.session() as session:
        connection = Connection(
            name=f"bench {number}",
            seller_id=number,
            client_id=f"bench-{number}",
            secret_ciphertext="-",  # noqa: S106  (not a secret: nothing is called)
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(connection)
        session.flush()
        return connection.id


def importing(database: Database, clock: ManualClock, seconds: float) -> list[Measurement]:
    registry = StreamRegistry()
    registry.register(MemoryImporter)
    runner = StreamRunner(database, clock, registry=registry)
    numbers = itertools.count(1)

    def through_the_engine() -> None:
        report = runner.run(new_connection(database, clock, next(numbers)), "bench_orders")
        assert report.counts["created"] == RECORDS, report

    def raw_inserts() -> None:
        # What a stream's write step does anyway: one insert per record, one commit per window.
        for window in range(WINDOWS):
            with database.session() as session:
                for n in range(RECORDS // WINDOWS):
                    session.execute(insert(local).values(external_id=f"W{window}-{n}", value=n))

    engine_rate = rate(through_the_engine, seconds=seconds) * RECORDS
    raw_rate = rate(raw_inserts, seconds=seconds) * RECORDS
    return [
        Measurement(NAME, "records imported/s through a stream run (SQLite)", engine_rate, "rec/s"),
        Measurement(NAME, "raw inserts/s, one per record, same transactions", raw_rate, "rec/s"),
        Measurement(
            NAME,
            "stream import rate / raw insert rate",
            engine_rate / raw_rate,
            "ratio",
            note="per record: a binding lookup and insert; per window: cursor, lease fence",
        ),
    ]


def scheduling(database: Database, clock: ManualClock, seconds: float) -> list[Measurement]:
    registry = StreamRegistry()
    registry.register(MemoryImporter)
    settings = Settings(_env_file=None, data_dir=Path(tempfile.gettempdir()))  # type: ignore[call-arg]
    scheduler = Scheduler(JobEnvironment(settings, database, clock, registry))
    for number in range(1000, 1300):
        new_connection(database, clock, number)
    scheduler.tick()  # every stream queued once: from now on, nothing is due
    ticks = rate(scheduler.tick, seconds=seconds)
    return [
        Measurement(
            NAME,
            "scheduler ticks/s, 300+ connections, nothing due (SQLite)",
            ticks,
            "ticks/s",
            target="> 1 (one tick per second)",
        )
    ]


def budgeting(seconds: float) -> list[Measurement]:
    policy = BudgetPolicy(max_rate=1e9, capacity=1e9)  # never waits: only the store is measured
    namespace = f"cdlink-bench-{uuid.uuid4().hex[:8]}"
    client = Redis.from_url(os.environ.get("CDLINK_REDIS_URL", "redis://127.0.0.1:6379/0"))
    try:
        shared = Budget(RedisBudgetStore(client, namespace=namespace), default=policy)
        local_budget = Budget(InMemoryBudgetStore(), default=policy)
        redis_rate = rate(lambda: shared.acquire("98979", "orders"), seconds=seconds)
        memory_rate = rate(lambda: local_budget.acquire("98979", "orders"), seconds=seconds)
    finally:
        for key in client.scan_iter(match=f"{namespace}*"):
            client.delete(key)
        client.close()
    return [
        Measurement(
            NAME, "budget acquires/s, Redis store (shared by workers)", redis_rate, "ops/s"
        ),
        Measurement(
            NAME,
            "Redis budget rate / in-memory budget rate",
            redis_rate / memory_rate,
            "ratio",
            note="two round trips per call (load, compare-and-set); far above any API's rate",
        ),
    ]
