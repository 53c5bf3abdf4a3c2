"""The Stock page's reads with a big catalog: one page of SKUs, searched and filtered, 100,000
SKUs in two warehouses, each pushed once (SQLite, as the embedded default).

The page is cut in SQL and its figures are read in a fixed number of queries, so the time of a
page should not grow with the catalog, only the count and the text search do (they scan).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.harness import Measurement, Options
from cdlink.hub.stock.queries import StockFilter, list_stock
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import (
    Binding,
    Connection,
    Product,
    StockLevel,
    StockPushStatus,
    Warehouse,
    WarehouseConnection,
)

NAME = "stock_page"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def fill(database: Database, skus: int) -> None:
    """``skus`` products, each stocked in one of two warehouses, pushed, 1 % refused."""
    with database.session() as session:
        session.add(
            Connection(
                id=1,
                name="Shop",
                seller_id=1,
                client_id="bench",
                secret_ciphertext="-",  # noqa: S106  (never used: nothing connects)
                stock_sync_enabled=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.add_all(
            [
                Warehouse(id=1, code="PARIS", name="Paris", created_at=NOW, updated_at=NOW),
                Warehouse(id=2, code="LYON", name="Lyon", created_at=NOW, updated_at=NOW),
            ]
        )
        session.flush()
        session.add_all(
            [
                WarehouseConnection(warehouse_id=1, connection_id=1),
                WarehouseConnection(warehouse_id=2, connection_id=1),
            ]
        )
        ids = range(1, skus + 1)
        session.execute(
            insert(Product),
            [
                {
                    "id": n,
                    "sku": f"SKU-{n:06d}",
                    "title": f"Product {n}",
                    "ean": str(3_400_000_000_000 + n),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in ids
            ],
        )
        session.execute(
            insert(StockLevel),
            [
                {"product_id": n, "warehouse_id": 1 + n % 2, "on_hand": n % 17, "updated_at": NOW}
                for n in ids
            ],
        )
        session.execute(
            insert(StockPushStatus),
            [
                {
                    "connection_id": 1,
                    "sku": f"SKU-{n:06d}",
                    "quantity": n % 17,
                    "pushed_at": NOW,
                    "outcome": "refused" if n % 100 == 0 else "confirmed",
                    "confirmed_quantity": n % 17,
                    "confirmed_at": NOW,
                }
                for n in ids
            ],
        )
        session.execute(
            insert(Binding),
            [
                {
                    "connection_id": 1,
                    "kind": "offer",
                    "external_id": f"OFFER-{n}",
                    "local_id": str(n),
                    "bound_at": NOW,
                    "synced_at": NOW,
                }
                for n in ids
            ],
        )


def timed(database: Database, stock_filter: StockFilter, page: int) -> float:
    """Median seconds to read one page of 50 (after a first, warming read)."""
    times = []
    with database.reading() as session:
        for _ in range(4):
            started = time.perf_counter()
            list_stock(session, stock_filter, NOW + timedelta(minutes=1), page=page, page_size=50)
            times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def run(options: Options) -> list[Measurement]:
    skus = 20_000 if options.quick else 100_000
    cases = (
        ("first page", StockFilter(), 1),
        ("page in the middle", StockFilter(), skus // 100),
        ("text search", StockFilter(text="product 4242"), 1),
        ("warehouse filter", StockFilter(warehouse="LYON"), 3),
        ("account filter", StockFilter(connection_id=1), 5),
        ("failed pushes", StockFilter(failed_only=True), 1),
    )
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        try:
            migrate.upgrade(database)
            fill(database, skus)
            return [
                Measurement(
                    NAME,
                    f"Stock page of 50, {name}, {skus:,} SKUs",
                    timed(database, stock_filter, page) * 1000,
                    "ms",
                    target="≤ 250 ms",
                )
                for name, stock_filter, page in cases
            ]
        finally:
            database.dispose()
