"""The dashboard and the orders list with a million orders, on SQLite and on PostgreSQL.

Through the real app in process (``TestClient``) with a logged-in browser: every request goes
through the middleware, the session lookup, the queries and the translated template. Measured,
p50 and p95 of ``samples`` requests each (after two untimed ones):

- the dashboard (``/``, the last 30 days): every figure of ``hub.dashboard``, the six KPIs
  against the 30 days before, the sales trend and the orders by status; the same for today and
  for the last year (``/?period=year``: a year against the year before, read from the
  ``order_hours`` the order triggers keep), and the refresh's ``GET /api/v1/dashboard``;
- the customers list (``/customers``): the 50 latest buyers among some 150,000 and the count,
  and a search in it (``/customers?q=client 4999``: ``LIKE`` on three columns of every customer);
- the orders list, first page (``/orders``): newest 25 and the count (capped at 10,000);
- a filtered page (``/orders?status=Delivered&connection=2``): a sixth of the orders match;
- a deep page (``/orders?page=400``): 25 orders after 9,975 others;
- a text search (``/orders?q=B0000500000``, one order matches): ``LIKE '%…%'`` on four columns
  can use no index, so every order is read; the known slow path, measured to be seen;
- ``/healthz`` for scale (middleware and one database round trip).

The shop is seeded by ``bench.seeding`` (not measured; cached between runs). ``--orders N``
chooses its size: 1,000,000 by default, 100,000 with ``--quick``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bench import seeding
from bench.harness import Measurement, Options, quantile, timings
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store.engine import Database
from cdlink.web.app import create_app

NAME = "pages"
POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PAGES = {
    "dashboard": "/",
    "dashboard, today": "/?period=today",
    "dashboard, year": "/?period=year",
    "dashboard API, year": "/api/v1/dashboard?period=year",
    "customers list": "/customers",
    "customers list, search": "/customers?q=client%204999",
    "orders list, first page": "/orders",
    "orders list, filtered": "/orders?status=Delivered&connection=2",
    "orders list, page 400": "/orders?page=400",
    "orders list, text search": "/orders?q=B0000500000",
}


def measure(url: str, backend: str, size: int, samples: int, seeded: float) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(directory), sync_embedded_enabled=False
        )
        database = Database(url)
        app = create_app(settings, database=database, clock=ManualClock(seeding.NOW))
        try:
            with TestClient(app, follow_redirects=False) as web:
                seeding.log_in(web)
                english = {"Accept-Language": "en"}
                for path in PAGES.values():  # every page answers before anything is timed
                    answer = web.get(path, headers=english)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{path}: {answer.status_code}")
                health = timings(lambda: web.get("/healthz"), samples=samples)
                found = {
                    label: timings(
                        lambda path=path: web.get(path, headers=english),  # type: ignore[misc]
                        samples=samples,
                    )
                    for label, path in PAGES.items()
                }
        finally:
            database.dispose()
    note = f"{size:,} orders, {samples} requests, healthz p50 {quantile(health, 0.5) * 1000:.1f} ms"
    measurements = []
    for label, times in found.items():
        measurements += [
            Measurement(
                NAME, f"{label}, p50 ({backend})", quantile(times, 0.5) * 1000, "ms", note=note
            ),
            Measurement(
                NAME,
                f"{label}, p95 ({backend})",
                quantile(times, 0.95) * 1000,
                "ms",
                target="" if "search" in label else "≤ 200 ms",
                note=f"seeded in {seeded:.0f} s (not measured)" if seeded else "cached seed",
            ),
        ]
    return measurements


def run(options: Options) -> list[Measurement]:
    size = seeding.orders_for(options)
    samples = 10 if options.quick else 30
    started = time.perf_counter()
    path, made = seeding.cached_sqlite(size)
    seeded = time.perf_counter() - started if made else 0.0
    measurements = measure(f"sqlite:///{path}", "SQLite", size, samples, seeded)
    started = time.perf_counter()
    url, made = seeding.cached_postgres(POSTGRES_URL, size)
    seeded = time.perf_counter() - started if made else 0.0
    return measurements + measure(url, "PostgreSQL", size, samples, seeded)
