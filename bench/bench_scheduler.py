"""Scheduler lag and resident memory with 100 and 1,000 connections.

For each size, the parent process builds a SQLite database with that many active connections
and their schedules (every stream cdlink ships). A fresh subprocess spreads each interval
stream's next run at random over its interval (the steady state the runner's jitter leads to),
then runs the scheduler alone on the real clock for a while, so the memory measured is the
scheduler's and nothing else's:

- tick lateness: how late each tick starts against its due time, one
  ``CDLINK_SYNC_TICK_SECONDS`` after the previous one started (the embedded runtime waits a whole
  tick after each tick, so a tick's own cost makes the next one late), p50 and p95;
- stream lag: for every stream the scheduler queues, how long after its ``next_run_at`` it was
  queued, p50 and p95 (with a 1 s tick, about 0.5 s and 0.95 s at best);
- resident memory of the subprocess at the end (VmRSS) and its peak (VmHWM).

No worker runs the queued streams: between ticks, in the time the runtime waits, the loop marks
each one finished, the writes a run makes on its schedule (``queued_at`` cleared, ``next_run_at``
moved on by its interval and jitter), so the schedules keep coming due at the rate they would.
The tick's duration is the scheduler's alone.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bench.harness import Measurement, Options, memory_kilobytes, quantile
from cdlink.core.clock import SystemClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.scheduler import Scheduler
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection, StreamSchedule
from cdlink.sync.engine import schedules
from cdlink.sync.registry import default_registry

NAME = "scheduler"
SIZES = (100, 1000)
WARMUP_SECONDS = 1.0


def settings_for(directory: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=directory, sync_embedded_enabled=False
    )


def prepare(directory: Path, connections: int) -> Path:
    """A database with ``connections`` active connections and steady-state schedules."""
    path = directory / f"scheduler-{connections}.sqlite3"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    clock = SystemClock()
    now = clock.now()
    with database.session() as session:
        session.execute(
            insert(Connection),
            [
                {
                    "name": f"shop {number}",
                    "seller_id": 100000 + number,
                    "client_id": f"client-{number}",
                    "secret_ciphertext": "-",
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(connections)
            ],
        )
    environment = JobEnvironment(settings_for(directory), database, clock, default_registry)
    with database.session() as session:
        Scheduler(environment).ensure_schedules(session)
    database.dispose()
    return path


def spread(database: Database, now: datetime, seed: int) -> None:
    """Each interval stream's next run at random within its interval from ``now``: the steady
    state the runner's jitter leads to (a bulk update by primary key, no ORM objects kept).
    """
    randomness = random.Random(seed)
    with database.session() as session:
        rows = session.execute(
            select(
                StreamSchedule.connection_id, StreamSchedule.stream, StreamSchedule.interval_seconds
            ).where(StreamSchedule.interval_seconds.is_not(None))
        ).all()
        changes = [
            {
                "connection_id": connection_id,
                "stream": stream,
                "next_run_at": now + timedelta(seconds=randomness.uniform(0, interval)),
            }
            for connection_id, stream, interval in rows
        ]
        session.execute(update(StreamSchedule), changes)


def probe(path: Path, seconds: float) -> dict[str, Any]:
    """Run in the subprocess: the scheduler alone for ``seconds``; the figures as a dict."""
    baseline = memory_kilobytes()
    settings = settings_for(path.parent)
    database = Database(f"sqlite:///{path}")
    clock = SystemClock()
    scheduler = Scheduler(JobEnvironment(settings, database, clock, default_registry))
    spread(database, clock.now(), seed=int(path.stat().st_size))
    tick = settings.sync_tick_seconds
    randomness = random.Random(7)
    lateness: list[float] = []
    lags: list[float] = []
    durations: list[float] = []
    started = time.monotonic()
    # The first ticks catch up with what came due while this process started: not measured.
    measuring_from = started + WARMUP_SECONDS
    due: float | None = None
    while time.monotonic() - started < seconds + WARMUP_SECONDS:
        fired = time.monotonic()
        measured = fired >= measuring_from
        if due is not None and measured:
            lateness.append(fired - due)
        now = clock.now()
        requests = scheduler.tick()
        ended = time.monotonic()
        if measured:
            durations.append(ended - fired)
        # The workers' part, done here while the runtime would wait for the next tick.
        with database.session() as session:
            for request in requests:
                row = session.get_one(StreamSchedule, (request.connection_id, request.stream))
                if row.next_run_at is not None and row.requested_at is None and measured:
                    lags.append((now - row.next_run_at).total_seconds())
                row.queued_at = row.requested_at = row.requested_trigger = None
                row.next_run_at = schedules.next_due(
                    row.interval_seconds, clock.now(), randomness.random() * settings.sync_jitter
                )
        # As the embedded runtime: it waits a whole tick after each tick ends, so the next tick
        # is late by this one's duration against a steady one-a-tick cadence.
        due = fired + tick
        time.sleep(max(0.0, tick - (time.monotonic() - ended)))
    database.dispose()
    rss, peak = memory_kilobytes(), memory_kilobytes("VmHWM")
    return {
        "ticks": len(durations),
        "lateness": lateness,
        "lags": lags,
        "durations": durations,
        "rss_kb": rss,
        "peak_kb": peak,
        "baseline_kb": baseline,
    }


def measure(directory: Path, connections: int, seconds: float) -> dict[str, Any]:
    path = prepare(directory, connections)
    command = [sys.executable, "-m", "bench.bench_scheduler", str(path), str(seconds)]
    output = subprocess.run(
        command, check=True, capture_output=True, text=True, cwd=Path(__file__).parent.parent
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run(options: Options) -> list[Measurement]:
    seconds = 8.0 if options.quick else 30.0
    measurements = []
    with tempfile.TemporaryDirectory() as name:
        for connections in SIZES:
            found = measure(Path(name), connections, seconds)
            note = f"{connections} connections, {found['ticks']} ticks over {seconds:.0f} s, SQLite"
            label = f"{connections:,} connections"
            measurements += [
                Measurement(
                    NAME,
                    f"tick lateness p50, {label}",
                    quantile(found["lateness"], 0.5) * 1000,
                    "ms",
                    note=note,
                ),
                Measurement(
                    NAME,
                    f"tick lateness p95, {label}",
                    quantile(found["lateness"], 0.95) * 1000,
                    "ms",
                    note=note,
                ),
                Measurement(
                    NAME,
                    f"tick duration p95, {label}",
                    quantile(found["durations"], 0.95) * 1000,
                    "ms",
                    note=f"p50 {quantile(found['durations'], 0.5) * 1000:.1f} ms",
                ),
                Measurement(
                    NAME,
                    f"stream queued after due, p50, {label}",
                    quantile(found["lags"], 0.5),
                    "s",
                    note=f"{len(found['lags'])} streams queued",
                ),
                Measurement(
                    NAME,
                    f"stream queued after due, p95, {label}",
                    quantile(found["lags"], 0.95),
                    "s",
                    target="≤ 2 s",
                    note=f"tick every {settings_for(Path(name)).sync_tick_seconds} s",
                ),
                Measurement(
                    NAME,
                    f"scheduler process resident memory, {label}",
                    found["rss_kb"] / 1024,
                    "MiB",
                    note=f"peak {found['peak_kb'] / 1024:.0f} MiB; "
                    f"{found['baseline_kb'] / 1024:.0f} MiB after imports",
                ),
            ]
    return measurements


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the scheduler alone (benchmark probe).")
    parser.add_argument("database", type=Path)
    parser.add_argument("seconds", type=float)
    arguments = parser.parse_args()
    print(json.dumps(probe(arguments.database, arguments.seconds)))


if __name__ == "__main__":
    main()
