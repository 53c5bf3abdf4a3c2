"""Orders: how fast the orders stream imports, and how soon a new order is visible.

- import throughput: orders imported per second by a first run of the orders stream (fetch, map,
  save, bind, cursor, on SQLite) against orders fetched per second through the same client over
  the same windows from the same in-process sandbox, in the same run, as a ratio (target ≥ 0.8);
- new-order-to-visible latency: the embedded runtime at default settings (continuous polling,
  ``CDLINK_SYNC_CONTINUOUS_SECONDS``) against the in-process sandbox on the real clock; an order
  is created every few seconds and the time until its row is readable is recorded (p50, p95;
  target p95 ≤ 30 s).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.harness import Measurement, Options
from cdlink.core.clock import Clock, SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia.services.orders import OrderQuery
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection, Order
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
        return throughput(directory, options) + latency(directory, options)
