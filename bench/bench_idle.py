"""The idle cost of a connection whose shop does not change: what cdlink spends to find nothing.

A stock-synced connection to the in-process sandbox is imported once (orders, offers, stock);
then the scheduler and the streams it queues run for a stretch of simulated time on a manual
clock at the default settings (a tick every ``CDLINK_SYNC_TICK_SECONDS``, orders every
``CDLINK_SYNC_CONTINUOUS_SECONDS``, offers and the reconciliation hourly, stock only when a level
changes): nothing is sold, nothing is counted. Measured, per stream:

- marketplace calls per run (token requests apart), counted at the HTTP transport;
- process CPU time per run (``time.process_time``: the sandbox answers in-process, so its own
  work is included, as it is in the raw calls below);
- CPU of one scheduler tick with this one connection.

Streams that only run on an event (the stock pusher, the order actions) do not run at all: the
scheduler finds no outbox entry for them.

Compared against, in the same run: the CPU of the raw marketplace calls an orders run makes (the
same client reading an empty 10-second window), as a ratio. Per-hour figures multiply each cost
by how often it happens in the simulated hour.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import httpx

from bench.harness import Measurement, Options
from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.jobs.scheduler import Scheduler
from cdlink.octopia import RetryPolicy
from cdlink.octopia.services.orders import OrderQuery
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.registry import default_registry
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox

NAME = "idle"
SKUS = 100


class CountingTransport(httpx.BaseTransport):
    """Counts the marketplace's API calls (not token requests) made through it."""

    def __init__(self, inner: httpx.BaseTransport, counter: list[int]) -> None:
        self.inner, self.counter = inner, counter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "token" not in request.url.path:
            self.counter[0] += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class ManualStockPusher(StockPusher):
    """The stock pusher, its pauses spent on the manual clock rather than slept."""

    def wait(self, context: StreamContext, seconds: float) -> None:
        assert isinstance(context.clock, ManualClock)
        context.clock.advance(seconds)


def registry() -> StreamRegistry:
    """The streams cdlink ships, the stock pusher's pauses on the manual clock."""
    streams = StreamRegistry()
    for name in default_registry.names():
        stream = default_registry.stream_class(name)
        streams.register(ManualStockPusher if stream is StockPusher else stream)
    return streams


class IdleShop:
    """One stock-synced connection to a sandbox shop whose orders and offers do not change."""

    def __init__(self, directory: Path) -> None:
        self.clock = ManualClock()
        config = SandboxConfig(seed=3, offers=SKUS, orders=40, customer_cancel_probability=0)
        self.sandbox = Sandbox(config, clock=self.clock)
        self.calls = [0]
        self.settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=directory, sync_embedded_enabled=False
        )
        self.database = Database(f"sqlite:///{directory / 'idle.sqlite3'}")
        migrate.upgrade(self.database)
        clients = in_process_clients(
            self.settings,
            self.clock,
            transports=lambda: CountingTransport(self.sandbox.transport(), self.calls),
            retry=RetryPolicy(sleep=lambda seconds: None),
        )
        self.environment = JobEnvironment(
            self.settings, self.database, self.clock, registry(), clients=clients
        )
        self.runner = self.environment.runner()
        self.scheduler = Scheduler(self.environment)
        self._add_connection()

    def _add_connection(self) -> None:
        credentials = self.sandbox.credentials
        now = self.clock.now()
        with self.database.session() as session:
            session.add(
                Connection(
                    id=1,
                    name="Idle shop",
                    seller_id=credentials.seller_id,
                    client_id=credentials.client_id,
                    secret_ciphertext=SecretBox.from_settings(self.settings).encrypt(
                        credentials.client_secret
                    ),
                    token_url=self.sandbox.token_url(),
                    api_url=self.sandbox.api_url(),
                    stock_sync_enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            add_warehouse(session, self.clock, "MAIN", "Main")
            stock = Inventory(session, self.clock, publish_to_outbox)
            for index in range(SKUS):
                add_product(session, self.clock, f"SKU-{index + 1:05d}")
            stock.map_warehouse("MAIN", 1)
            for index in range(SKUS):
                stock.set_on_hand(f"SKU-{index + 1:05d}", "MAIN", 5, "count")

    def settle(self) -> None:
        """The first imports and the first stock push, until nothing is due any more."""
        for _ in range(600):
            requests = self.scheduler.tick()
            for request in requests:
                self.runner.run(request.connection_id, request.stream, trigger=request.trigger)
            self.clock.advance(timedelta(seconds=1))

    def raw_orders_call_cpu(self, repeats: int) -> float:
        """CPU seconds of one orders list call for an empty 10-second window, same client."""
        with self.database.reading() as session:
            connection = session.get_one(Connection, 1)
        assert self.environment.clients is not None
        with self.environment.clients(connection) as client:
            now = self.clock.now()
            query = OrderQuery(updated_at_min=now - timedelta(seconds=10), updated_at_max=now)
            list(client.orders.list_pages(query))  # the token, once
            started = time.process_time()
            for _ in range(repeats):
                list(client.orders.list_pages(query))
            return (time.process_time() - started) / repeats


def simulate(
    shop: IdleShop, seconds: int
) -> tuple[dict[str, list[tuple[int, float]]], list[float]]:
    """Tick every second for ``seconds`` of manual time; runs: stream → [(calls, cpu)]."""
    tick = shop.settings.sync_tick_seconds
    runs: dict[str, list[tuple[int, float]]] = defaultdict(list)
    ticks: list[float] = []
    elapsed = 0.0
    while elapsed < seconds:
        started = time.process_time()
        requests = shop.scheduler.tick()
        ticks.append(time.process_time() - started)
        for request in requests:
            before, started = shop.calls[0], time.process_time()
            report = shop.runner.run(request.connection_id, request.stream, trigger=request.trigger)
            cpu = time.process_time() - started
            if report.outcome != "succeeded":
                raise RuntimeError(f"{request.stream}: {report.outcome} {report.message}")
            runs[request.stream].append((shop.calls[0] - before, cpu))
        shop.clock.advance(timedelta(seconds=tick))
        elapsed += tick
    return runs, ticks


def run(options: Options) -> list[Measurement]:
    # Two hours: the hourly streams (offers, reconciliation; up to 10 % jitter) run at least once.
    simulated = 600 if options.quick else 7200
    with tempfile.TemporaryDirectory() as name:
        shop = IdleShop(Path(name))
        try:
            shop.settle()
            runs, ticks = simulate(shop, simulated)
            raw = shop.raw_orders_call_cpu(20 if options.quick else 100)
        finally:
            shop.database.dispose()
    return report(runs, ticks, raw, simulated, shop.settings)


def report(
    runs: dict[str, list[tuple[int, float]]],
    ticks: list[float],
    raw: float,
    simulated: int,
    settings: Settings,
) -> list[Measurement]:
    per_hour = 3600 / simulated
    interval = settings.sync_continuous_seconds
    note = f"1 connection, {simulated // 60} min simulated, orders every {interval} s"
    orders = runs.get("orders", [])
    if not orders:
        raise RuntimeError("the orders stream never ran in the simulated time")
    order_calls = statistics.mean(calls for calls, _ in orders)
    order_cpu = statistics.median(cpu for _, cpu in orders)
    total_calls = sum(calls for items in runs.values() for calls, _ in items) * per_hour
    total_cpu = (sum(cpu for items in runs.values() for _, cpu in items) + sum(ticks)) * per_hour
    streams = ", ".join(f"{name}: {len(items)}" for name, items in sorted(runs.items()))
    others = [
        Measurement(
            NAME,
            f"marketplace calls and CPU per idle {stream} run",
            statistics.mean(calls for calls, _ in items),
            "calls",
            note=f"{statistics.median(cpu for _, cpu in items) * 1000:.1f} ms CPU per run, "
            f"{len(items)} runs",
        )
        for stream, items in sorted(runs.items())
        if stream != "orders"
    ]
    return [
        Measurement(NAME, "marketplace calls per idle orders run", order_calls, "calls", note=note),
        Measurement(NAME, "CPU per idle orders run, p50", order_cpu * 1000, "ms", note=note),
        Measurement(
            NAME,
            "idle orders run CPU / CPU of its raw marketplace calls",
            order_cpu / (raw * max(order_calls, 1)),
            "ratio",
            note="raw: the same client listing an empty window; the in-process sandbox "
            "answers in both",
        ),
        Measurement(
            NAME,
            "CPU per scheduler tick, p50",
            statistics.median(ticks) * 1000,
            "ms",
            note=f"every {settings.sync_tick_seconds} s",
        ),
        Measurement(
            NAME,
            "marketplace calls per hour, idle connection",
            total_calls,
            "calls/h",
            note=f"runs in the simulated time: {streams}",
        ),
        Measurement(
            NAME,
            "CPU per hour, idle connection (runs + ticks)",
            total_cpu,
            "s/h",
            note=f"{total_cpu / 36:.2f} % of one core",
        ),
        *others,
    ]
