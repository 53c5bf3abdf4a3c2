"""Orders: how fast the orders stream imports, and how soon a new order is visible.

- import throughput: orders imported per second by a first run of the orders stream (fetch, map,
  save, bind, cursor, on SQLite) against orders fetched per second through the same client over
  the same windows from the same in-process sandbox, in the same run, as a ratio (target ≥ 0.8);
- new-order-to-visible latency: the embedded runtime at default settings (continuous polling,
  ``CDLINK_SYNC_CONTINUOUS_SECONDS``) against the in-process sandbox on the real clock; an order
  is created every few seconds and the time until its row is readable is recorded (p50, p95;
  target p95 ≤ 30 s);
- the same latency while a history import runs: a shop of thousands of orders over the last
  week, the live orders stream caught up, an import of the week started, and the runtime's one
  general worker thread held by it the whole time (as if both default threads were busy); only
  the orders created while the import was still running count (p95, target ≤ 15 s). The live
  lane (``cdlink.jobs.lanes``) is what keeps this close to the figure without an import.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.harness import Measurement, Options
from cdlink.core.clock import Clock, SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.orders import initial_imports
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia.services.orders import OrderQuery
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection, InitialImport, Order
from cdlink.sync.engine import schedules
from cdlink.sync.engine.windows import Window
from cdlink.sync.orders.history import STREAM as HISTORY
from cdlink.sync.orders.stream import OrdersImporter

NAME = "orders"


def environment(directory: Path, sandbox: Sandbox, clock: Clock, name: str) -> JobEnvironment:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=directory / name, sync_embedded_enabled=False
    )
    database = Database(f"sqlite:///{directory / name}.sqlite3")
    migrate.upgrade(database)
    credentials = sandbox.credentials
    with database.session() as session:
        session.add(
            Connection(
                id=1,
                name="Bench shop",
                seller_id=credentials.seller_id,
                client_id=credentials.client_id,
                secret_ciphertext=SecretBox.from_settings(settings).encrypt(
                    credentials.client_secret
                ),
                token_url=sandbox.token_url(),
                api_url=sandbox.api_url(),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    clients = in_process_clients(settings, clock, transports=sandbox.transport)
    return JobEnvironment(settings, database, clock, clients=clients)


def fetch_rate(shop: JobEnvironment) -> float:
    """Orders per second read through the client over the windows a first import reads."""
    assert shop.clients is not None
    with shop.database.reading() as session:
        connection = session.get_one(Connection, 1)
    now = shop.clock.now()
    start, read = now - OrdersImporter.history, 0
    started = time.perf_counter()
    with shop.clients(connection) as client:
        while start < now:
            end = min(start + OrdersImporter.window_size, now)
            query = OrderQuery(updated_at_min=start, updated_at_max=end)
            read += sum(len(page.items) for page in client.orders.list_pages(query))
            start = end
    return read / (time.perf_counter() - started)


def import_rate(shop: JobEnvironment) -> float:
    started = time.perf_counter()
    report = shop.runner().run(1, "orders")
    elapsed = time.perf_counter() - started
    if report.outcome != "succeeded":
        raise RuntimeError(report.message)
    return report.counts["created"] / elapsed


def throughput(directory: Path, options: Options) -> list[Measurement]:
    orders = 150 if options.quick else 600
    ratios, imports = [], []
    for round_number in range(3):
        sandbox = Sandbox(SandboxConfig(seed=7, orders=orders))
        fetched = fetch_rate(environment(directory, sandbox, SystemClock(), f"raw{round_number}"))
        imported = import_rate(environment(directory, sandbox, SystemClock(), f"run{round_number}"))
        ratios.append(imported / fetched)
        imports.append(imported)
    return [
        Measurement(NAME, "import throughput", statistics.median(imports), "orders/s"),
        Measurement(
            NAME,
            "import / raw fetch of the same pages",
            statistics.median(ratios),
            "ratio",
            target="≥ 0.8",
            note=f"{orders} orders, first import, SQLite, median of 3 rounds",
        ),
    ]


def latency(directory: Path, options: Options) -> list[Measurement]:
    samples = 4 if options.quick else 12
    sandbox = Sandbox(SandboxConfig(seed=8, orders=5))
    shop = environment(directory, sandbox, SystemClock(), "latency")
    runtime = EmbeddedRuntime(shop)
    runtime.start()
    delays = []
    try:
        for _ in range(samples):
            [order_id] = sandbox.create_orders(1)
            delays.append(wait_visible(shop.database, order_id))
            time.sleep(1.3)  # new orders arrive at different points of the polling cycle
    finally:
        runtime.stop()
    cut = statistics.quantiles(delays, n=20, method="inclusive")
    interval = shop.settings.sync_continuous_seconds
    note = f"{samples} orders, embedded runtime, polling every {interval} s"
    return [
        Measurement(NAME, "new order visible, p50", statistics.median(delays), "s", note=note),
        Measurement(NAME, "new order visible, p95", cut[18], "s", target="≤ 30", note=note),
    ]


def latency_during_import(directory: Path, options: Options) -> list[Measurement]:
    samples, orders = (4, 20000) if options.quick else (12, 60000)
    clock = SeededClock()
    sandbox = Sandbox(SandboxConfig(seed=9, orders=orders, offers=orders // 10), clock=clock)
    for reference in sandbox.offer_quantities():  # the seeded orders sold most of the stock
        sandbox.set_offer_quantity(reference, 1000)
    clock.ahead = SEEDED_AGO
    shop = environment(directory, sandbox, clock, "during-import")
    shop.settings = shop.settings.model_copy(
        update={"sync_worker_threads": 1, "sync_live_threads": 1}
    )
    with shop.database.session() as session:
        import_id = start_history_import(session, shop.clock.now())
    runtime = EmbeddedRuntime(shop)
    runtime.start()
    delays: list[float] = []
    try:
        wait_until(lambda: import_state(shop.database, import_id) == initial_imports.RUNNING)
        while len(delays) < samples and (
            import_state(shop.database, import_id) in initial_imports.UNFINISHED
        ):
            [order_id] = sandbox.create_orders(1)
            delay = wait_visible(shop.database, order_id)
            if import_state(shop.database, import_id) == initial_imports.RUNNING:
                delays.append(delay)  # the import was running from its creation to its sight
            time.sleep(1.3)
    finally:
        runtime.stop()
    if len(delays) < 2:
        raise RuntimeError("the history import ended before the orders could be measured")
    cut = statistics.quantiles(delays, n=20, method="inclusive")
    note = (
        f"{len(delays)} orders while a history import of {orders:,} orders ran on the only "
        f"general worker thread (+1 live thread), polling every "
        f"{shop.settings.sync_continuous_seconds} s"
    )
    return [
        Measurement(
            NAME,
            "new order visible while a history import runs, p95",
            cut[18],
            "s",
            target="≤ 15",
            note=note,
        ),
    ]


#: How long ago the shop was seeded, for the orders stream: seeding touches every open order, and
#: an order stream catching up would re-read them all at every run for its look-back.
SEEDED_AGO = timedelta(minutes=15)


class SeededClock(SystemClock):
    """The real time, moved ``ahead`` once the shop is seeded (the sandbox and cdlink share it)."""

    ahead = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.ahead


def start_history_import(session: Session, now: datetime) -> int:
    """The live orders stream caught up to ``now``; an import of the past week queued."""
    importer = OrdersImporter()
    importer.cursor_for(1).complete(session, Window(now - importer.history, now), now)
    record = initial_imports.start_import(
        session, 1, now - timedelta(days=7), now, customers=True, requested_by=None, now=now
    )
    schedules.request_run(session, 1, HISTORY, now=now, trigger="manual")
    return record.id


def import_state(database: Database, import_id: int) -> str:
    with database.reading() as session:
        return session.get_one(InitialImport, import_id).state


def wait_until(condition: Callable[[], bool], limit: float = 120.0) -> None:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > limit:
            raise RuntimeError(f"not true after {limit} s")
        time.sleep(0.05)


def wait_visible(database: Database, order_id: str, limit: float = 120.0) -> float:
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < limit:
        with database.reading() as session:
            query = select(Order.id).where(Order.marketplace_order_id == order_id)
            if session.scalars(query).first() is not None:
                return elapsed
        time.sleep(0.05)
    raise RuntimeError(f"order {order_id} not visible after {limit} s")


def run(options: Options) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        return (
            throughput(directory, options)
            + latency(directory, options)
            + latency_during_import(directory, options)
        )
