"""Catalog: the validator's speed, the calls publishing 1,000 products costs, and how close to
the creation quota's own limit a catalog larger than the quota goes live.

Against the in-process sandbox on a manual clock (SQLite). The products stream runs as the
scheduler would (every 5 minutes of the manual clock); report lag and integration times are
the sandbox's defaults (60 s, 300 s).
"""

from __future__ import annotations

import math
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Measurement, Options, rate
from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.hub.catalog import mappings, products, publishing, taxonomy
from cdlink.hub.catalog.products import ProductData
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.octopia.models import ProductSheet
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import CatalogCategory, Connection
from cdlink.sync.catalog.publisher import ProductPublisher
from cdlink.sync.catalog.sheets import RulesCache, build_sheet, validate
from cdlink.sync.catalog.taxonomy import TaxonomyFetcher
from cdlink.sync.engine.runner import StreamRunner
from cdlink.sync.engine.streams import StreamRegistry

NAME = "catalog"
RUN_EVERY = 300.0
INTEGRATION_PATHS = ("/products-integration",)


class Counting(httpx.BaseTransport):
    """Counts the product-integration calls made through it."""

    calls = 0

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/products-integration" in request.url.path:
            Counting.calls += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def gtin13(number: int) -> str:
    body = f"{370000000000 + number:012d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body[::-1]))
    return body + str((10 - total % 10) % 10)


class Shop:
    def __init__(self, directory: Path, *, quota: int | None) -> None:
        self.clock = ManualClock()
        config = SandboxConfig(seed=3, offers=0, orders=0, product_creations_per_hour=quota)
        self.sandbox = Sandbox(config, clock=self.clock)
        settings = Settings(data_dir=directory)
        self.database = Database(f"sqlite:///{directory / 'bench.sqlite3'}")
        migrate.upgrade(self.database)

        class Publisher(ProductPublisher):
            creations_per_hour = quota or 1_000_000

        registry = StreamRegistry([TaxonomyFetcher, Publisher])
        clients = in_process_clients(
            settings,
            self.clock,
            transports=lambda: Counting(self.sandbox.transport()),
            retry=RetryPolicy(sleep=lambda seconds: None),
        )
        self.runner = StreamRunner(self.database, self.clock, registry=registry, clients=clients)
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
                    created_at=self.clock.now(),
                    updated_at=self.clock.now(),
                )
            )
        self.runner.run(1, "taxonomy")
        with self.database.session() as session:
            self.leaf = str(
                session.query(CatalogCategory.reference)
                .filter(CatalogCategory.level == 3, CatalogCategory.is_variant.is_(False))
                .order_by(CatalogCategory.reference)
                .first()[0]  # type: ignore[index]
            )
            mappings.save_mapping(session, 1, "Bench", self.leaf, self.clock.now())
        self.runner.run(1, "products")  # reads the category's properties
        with self.database.reading() as session:
            props = taxonomy.category_properties(session, 1, self.leaf) or []
        self.attributes = _mandatory(props)

    def add(self, count: int) -> list[ProductData]:
        made = []
        with self.database.session() as session:
            for index in range(count):
                data = ProductData(
                    sku=f"B-{index:05d}",
                    ean=gtin13(index),
                    title=f"Produit de test {index}",
                    description="Un produit de test pour mesurer la publication.",
                    brand="Banc",
                    pictures=(f"https://images.example.com/b/{index}.jpg",),
                    attributes=self.attributes,
                    seller_category="Bench",
                    price=Decimal("9.90"),
                )
                products.save(session, self.clock, data)
                made.append(data)
        return made

    def publish_until_live(self, skus: int, *, limit_runs: int = 500) -> float:
        """Run the products stream every ``RUN_EVERY`` seconds; the simulated seconds until
        every sheet is Integrated."""
        started = self.clock.now()
        for _ in range(limit_runs):
            self.runner.run(1, "products")
            with self.database.reading() as session:
                live = publishing.reconciliation(session, 1).live
            if live >= skus:
                return (self.clock.now() - started).total_seconds()
            self.clock.advance(RUN_EVERY)
        raise AssertionError("the catalog never went live")


def _mandatory(props: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    found = {}
    for prop in props:
        if prop.get("necessity") == "Mandatory":
            choices = prop.get("choices") or []
            found[str(prop["propertyReference"])] = (str(choices[0]) if choices else "Acier",)
    return found


def run(options: Options) -> list[Measurement]:
    count = 200 if options.quick else 1000
    with tempfile.TemporaryDirectory() as directory:
        shop = Shop(Path(directory), quota=None)
        try:
            made = shop.add(count)
            with shop.database.reading() as session:
                cache = RulesCache(session, 1)
                payloads = [
                    build_sheet(data, shop.leaf, cache.mapping("Bench")).to_payload()
                    for data in made
                ]

                def check_all() -> None:
                    for data in made:
                        validate(data, cache)

                def parse_all() -> None:
                    for payload in payloads:
                        ProductSheet.model_validate(payload)

                validator = rate(check_all, seconds=0.5 if options.quick else 1.0) * count
                parsing = rate(parse_all, seconds=0.5 if options.quick else 1.0) * count
            Counting.calls = 0
            shop.publish_until_live(count)
            minimum = math.ceil(count / ProductPublisher.batch_size) + math.ceil(count / 25)
            calls_ratio = Counting.calls / minimum
        finally:
            shop.database.dispose()
    quota, new = 25, 100 if not options.quick else 50
    with tempfile.TemporaryDirectory() as directory:
        shop = Shop(Path(directory), quota=quota)
        try:
            shop.add(new)
            elapsed = shop.publish_until_live(new)
        finally:
            shop.database.dispose()
    # The quota's own limit: a batch of 25 per hour, the last one judged and integrated after the
    # sandbox's report lag and integration time (60 s + 300 s).
    quota_limit = (math.ceil(new / quota) - 1) * 3600 + 360
    return [
        Measurement(
            NAME,
            "Validator: products checked per second against plain model parsing of the same "
            "products (ratio)",
            validator / parsing,
            "ratio",
            note=f"{validator:,.0f} checked/s, {parsing:,.0f} parsed/s",
        ),
        Measurement(
            NAME,
            "Publishing 1,000 new products: marketplace calls ÷ the minimum the batch size and "
            "report paging allow",
            calls_ratio,
            "ratio",
            target="≤ 1.5",
            note=f"{Counting.calls} calls; minimum {minimum} (1 package of ≤ 1,000, reports 25 a "
            "page); quota off",
        ),
        Measurement(
            NAME,
            "time to all-Integrated under the sandbox's quota versus the quota's own limit",
            elapsed / quota_limit,
            "ratio",
            note=f"{new} new products, 25 creations per hour: {elapsed / 3600:.2f} h against "
            f"{quota_limit / 3600:.2f} h (the last batch an hour after the one before, judged and "
            "integrated at once); the stream runs every 5 minutes",
        ),
    ]
