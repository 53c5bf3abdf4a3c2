"""Stock: how fast a change reaches Cdiscount, and how few calls a burst of changes costs.

Against the in-process sandbox on a manual clock (SQLite). The pusher's pauses (the 1 s gather
before a batch) move the manual clock and are added to the measured real time; the scheduler's
tick (``CDLINK_SYNC_TICK_SECONDS``, 1 s) between the change and the run is not included.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import Measurement, Options
from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.engine.runner import StreamRunner
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox

NAME = "stock"
SKUS = 1000


class Counting(httpx.BaseTransport):
    """Counts the marketplace calls made through it."""

    calls = 0

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/seller/" in request.url.path:
            Counting.calls += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class Shop:
    """A stock-synced connection to the sandbox, its SKUs counted at zero and pushed once."""

    def __init__(self, directory: Path) -> None:
        self.clock = ManualClock()
        self.sandbox = Sandbox(SandboxConfig(seed=2, offers=SKUS, orders=0), clock=self.clock)
        settings = Settings(data_dir=directory)
        self.database = Database(f"sqlite:///{directory / 'bench.sqlite3'}")
        migrate.upgrade(self.database)
        self.ready_at: float | None = None
        self.waited = 0.0
        registry = StreamRegistry()
        registry.register(self.pusher())
        clients = in_process_clients(
            settings,
            self.clock,
            transports=lambda: Counting(self.sandbox.transport()),
            retry=RetryPolicy(sleep=lambda seconds: None),
        )
        self.runner = StreamRunner(self.database, self.clock, registry=registry, clients=clients)
        self.add_connection(settings)
        self.change([(f"SKU-{index + 1:05d}", 0) for index in range(SKUS)])
        self.runner.run(1, "stock")

    def pusher(self) -> type[StockPusher]:
        shop = self

        class TimedPusher(StockPusher):
            def wait(self, context: StreamContext, seconds: float) -> None:
                if shop.ready_at is None and shop.waited > 0:
                    shop.ready_at = time.perf_counter()  # the first poll: marked Ready
                shop.waited += seconds
                shop.clock.advance(seconds)

        return TimedPusher

    def add_connection(self, settings: Settings) -> None:
        credentials = self.sandbox.credentials
        with self.database.session() as session:
            session.add(
                Connection(
                    id=1,
                    name="bench",
                    seller_id=credentials.seller_id,
                    client_id=credentials.client_id,
                    secret_ciphertext=SecretBox.from_settings(settings).encrypt(
                        credentials.client_secret
                    ),
                    token_url=self.sandbox.token_url(),
                    api_url=self.sandbox.api_url(),
                    stock_sync_enabled=True,
                    created_at=self.clock.now(),
                    updated_at=self.clock.now(),
                )
            )
            session.flush()
            add_warehouse(session, self.clock, "MAIN", "Main")
            for index in range(SKUS):
                add_product(session, self.clock, f"SKU-{index + 1:05d}")
            Inventory(session, self.clock, publish_to_outbox).map_warehouse("MAIN", 1)

    def change(self, levels: list[tuple[str, int]]) -> None:
        with self.database.session() as session:
            stock = Inventory(session, self.clock, publish_to_outbox)
            for sku, quantity in levels:
                stock.set_on_hand(sku, "MAIN", quantity, "bench")

    def latency(self, sku: str, quantity: int) -> float:
        """Seconds from a committed change to its package marked Ready."""
        self.ready_at, self.waited = None, 0.0
        started = time.perf_counter()
        self.change([(sku, quantity)])
        self.runner.run(1, "stock")
        assert self.ready_at is not None
        # Real time to Ready, plus the gather pause spent on the manual clock.
        return self.ready_at - started + StockPusher.gather_seconds


def run(options: Options) -> list[Measurement]:
    trials = 10 if options.quick else 40
    with tempfile.TemporaryDirectory() as directory:
        shop = Shop(Path(directory))
        try:
            latencies = sorted(
                shop.latency(f"SKU-{n % SKUS + 1:05d}", n + 1) for n in range(trials)
            )
            burst = 5000
            Counting.calls = 0
            shop.change([(f"SKU-{n % SKUS + 1:05d}", (n * 7) % 50 + 1) for n in range(burst)])
            shop.runner.run(1, "stock")
            per_change = Counting.calls / burst
        finally:
            shop.database.dispose()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    return [
        Measurement(NAME, "stock change → package Ready, p50", statistics.median(latencies), "s"),
        Measurement(NAME, "stock change → package Ready, p95", p95, "s", target="≤ 5 s"),
        Measurement(
            NAME,
            "marketplace calls per stock change, burst of 5,000 over 1,000 SKUs",
            per_change,
            "calls",
            target="≤ 0.01",
            note="one Update package; uploads of 100; polls every 2 s while Cdiscount integrates",
        ),
    ]
