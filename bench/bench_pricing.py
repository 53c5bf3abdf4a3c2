"""Pricing: how few calls a burst of price changes costs (alone and mixed with stock), how fast
a price reaches a package marked Ready, and how soon after its planned start a flash sale's
package is Ready.

Against the in-process sandbox on a manual clock (SQLite). Prices travel in the stock pusher's
Update packages: the pusher's pauses (the 1 s gather before a batch) move the manual clock and
are added to the measured real time. The promotions stream runs as the scheduler runs it, every
15 s of the manual clock from a random phase; its latency is the manual-clock wait from the
planned start to the run that sends it, plus the real time of that run up to the package posted.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from bench.harness import Measurement, Options
from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.promotions import Promotions
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Connection, PromotionItem
from cdlink.sync.engine.runner import StreamRunner
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.pricing.promotions import PromotionsStream, wake_promotions
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox

NAME = "pricing"
BURST = 5000


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


def sku(index: int) -> str:
    return f"SKU-{index + 1:05d}"


class Shop:
    """A connection with stock and price sync on; every SKU at 20 € and 5 units, sent once."""

    def __init__(self, directory: Path, skus: int) -> None:
        self.skus = skus
        self.clock = ManualClock()
        self.sandbox = Sandbox(SandboxConfig(seed=2, offers=skus, orders=0), clock=self.clock)
        settings = Settings(data_dir=directory)
        self.database = Database(f"sqlite:///{directory / 'bench.sqlite3'}")
        migrate.upgrade(self.database)
        self.ready_at: float | None = None
        self.waited = 0.0
        registry = StreamRegistry([self.pusher(), self.promotions()])
        clients = in_process_clients(
            settings,
            self.clock,
            transports=lambda: Counting(self.sandbox.transport()),
            retry=RetryPolicy(sleep=lambda seconds: None),
        )
        self.runner = StreamRunner(self.database, self.clock, registry=registry, clients=clients)
        self.add_connection(settings)
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

    def promotions(self) -> type[PromotionsStream]:
        shop = self

        class TimedPromotions(PromotionsStream):
            def wait(self, context: StreamContext, seconds: float) -> None:
                if shop.ready_at is None:
                    shop.ready_at = time.perf_counter()  # the first poll: the package is in
                shop.clock.advance(seconds)

        return TimedPromotions

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
            for index in range(self.skus):
                add_product(session, self.clock, sku(index), price=Decimal(20))
            stock = Inventory(session, self.clock, publish_to_outbox)
            stock.map_warehouse("MAIN", 1)
            for index in range(self.skus):
                stock.set_on_hand(sku(index), "MAIN", 5, "bench")
            PriceBook(session, self.clock, publish_price_to_outbox).set_price_list(
                1, sync_enabled=True
            )

    def change(self, prices: list[tuple[str, Decimal]], levels: list[tuple[str, int]]) -> None:
        with self.database.session() as session:
            book = PriceBook(session, self.clock, publish_price_to_outbox)
            for reference, price in prices:
                book.set_price(1, reference, price)
            stock = Inventory(session, self.clock, publish_to_outbox)
            for reference, quantity in levels:
                stock.set_on_hand(reference, "MAIN", quantity, "bench")

    def calls_per_change(self, prices: int, levels: int) -> float:
        Counting.calls = 0
        price_changes = [
            (sku(n % self.skus), Decimal(20) + Decimal(n % 97) / 100) for n in range(prices)
        ]
        level_changes = [(sku(n % self.skus), (n * 7) % 50 + 1) for n in range(levels)]
        self.change(price_changes, level_changes)
        self.runner.run(1, "stock")
        return Counting.calls / (prices + levels)

    def latency(self, reference: str, price: Decimal) -> float:
        """Seconds from a committed price change to its package marked Ready."""
        self.ready_at, self.waited = None, 0.0
        started = time.perf_counter()
        self.change([(reference, price)], [])
        self.runner.run(1, "stock")
        assert self.ready_at is not None
        return self.ready_at - started + StockPusher.gather_seconds

    def promotion_latency(self, index: int, phase: float) -> float:
        """Seconds from a flash sale's planned start to its package posted."""
        start = self.clock.now() + timedelta(seconds=60 + phase)
        with self.database.session() as session:
            created = Promotions(session, self.clock, wake_promotions).create(
                1,
                kind="flash_sale",
                percent=Decimal(10),
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                skus=[sku(index)],
            )
            promotion_id = created.id
        self.runner.run(1, "promotions")  # created: nothing due yet
        while True:
            self.clock.advance(PromotionsStream.default_interval or 15)
            self.ready_at = None
            started = time.perf_counter()
            waited = (self.clock.now() - start).total_seconds()
            self.runner.run(1, "promotions")
            with self.database.reading() as session:
                item = session.get_one(PromotionItem, (promotion_id, sku(index)))
                if item.state != "waiting":
                    posted = self.ready_at or time.perf_counter()
                    return max(0.0, waited) + posted - started


def run(options: Options) -> list[Measurement]:
    skus = 200 if options.quick else 1000
    trials = 10 if options.quick else 40
    with tempfile.TemporaryDirectory() as directory:
        shop = Shop(Path(directory), skus)
        try:
            prices_only = shop.calls_per_change(BURST, 0)
            mixed = shop.calls_per_change(BURST // 2, BURST // 2)
            latencies = sorted(
                shop.latency(sku(n % skus), Decimal(30) + Decimal(n) / 100) for n in range(trials)
            )
            draw = random.Random(7)
            promotion = sorted(
                shop.promotion_latency(n * 3 % skus, draw.uniform(0, 15)) for n in range(trials)
            )
        finally:
            shop.database.dispose()

    def p95(values: list[float]) -> float:
        return values[max(0, int(len(values) * 0.95) - 1)]

    note = f"burst of {BURST:,} over {skus:,} SKUs; one Update package, uploads of 100"
    return [
        Measurement(NAME, "calls per price change", prices_only, "calls", "≤ 0.01", note),
        Measurement(
            NAME,
            "calls per price change, mixed stock and price burst",
            mixed,
            "calls",
            "≤ 0.01",
            f"{note}; half stock, half price changes",
        ),
        Measurement(NAME, "price change → package Ready, p50", statistics.median(latencies), "s"),
        Measurement(NAME, "price change → package Ready, p95", p95(latencies), "s", "≤ 5 s"),
        Measurement(
            NAME,
            "promotion start → its package Ready, p95",
            p95(promotion),
            "s",
            "≤ 60 s",
            "flash sales; the promotions stream runs every 15 s; XML offer package posted",
        ),
    ]
