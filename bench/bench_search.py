"""Text search in the orders list with a million orders, on SQLite and on PostgreSQL.

Through the real app in process (``TestClient``, logged in, as ``bench_pages`` does): p50 and p95
of ``/orders?q=…`` over a mix of texts a seller types, each requested ``samples`` times (after
untimed ones):

- an order number, whole (``B0000500000``) and a piece of one (``0500000``), a reference
  (``R000012345``, ten orders): the index lists a handful of rows;
- a customer's name (``Client 4999``, 220 orders; ``lient 1234``, 220);
- texts many orders hold (``client 49``, 22,220 orders; ``Client``, every order): the list's
  own order finds a page of them at once, the count (capped at 10,000) reads the index;
- a text of two characters (``B0``): no trigram, the list's own order, every order matches;
- a text no order holds (``zzz-nothing``).

Baseline in the same run: the plain scan (``lower(column) LIKE '%…%'`` on four columns, what
the list did before ``0022_search``) for the order number, timed on the hub query (page and
capped count) for ``BASELINE_SAMPLES`` requests; on PostgreSQL with bitmap scans off, which
leaves the trigram indexes unread.

The shop is ``bench.seeding``'s (cached under ``.bench-cache/``; the PostgreSQL copy is named
``cdlink_search_bench_…`` so it never meets the page benchmark's own). ``--orders N`` chooses
its size: 1,000,000 by default, 100,000 with ``--quick``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy import text as sql

from bench import seeding
from bench.harness import Measurement, Options, quantile, timings
from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.store import search
from cdlink.store.engine import Database
from cdlink.store.models import Order
from cdlink.web.app import create_app

NAME = "search"
POSTGRES_URL = os.environ.get(
    "CDLINK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEXTS = (
    "B0000500000",
    "0500000",
    "R000012345",
    "Client 4999",
    "lient 1234",
    "client 49",
    "Client",
    "B0",
    "zzz-nothing",
)
BASELINE_TEXT = "B0000500000"
BASELINE_SAMPLES = 5
COUNT_LIMIT = 10_000  # the orders page's
DATABASE_PREFIX = "cdlink_search_bench_"


def page_timings(url: str, samples: int) -> dict[str, list[float]]:
    """Seconds per ``/orders?q=…`` request, per text."""
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
                found = {}
                for text in TEXTS:
                    answer = web.get("/orders", params={"q": text}, headers=english)
                    if answer.status_code != 200:
                        raise RuntimeError(f"/orders?q={text}: {answer.status_code}")
                    found[text] = timings(
                        lambda text=text: web.get(  # type: ignore[misc]
                            "/orders", params={"q": text}, headers=english
                        ),
                        samples=samples,
                    )
        finally:
            database.dispose()
    return found


def scan_timings(url: str, samples: int) -> list[float]:
    """Seconds per page and capped count of the plain scan (no index) for ``BASELINE_TEXT``."""
    database = Database(url)
    condition = search.scan(search.ORDERS.columns, BASELINE_TEXT)
    page = (
        select(Order)
        .where(condition)
        .order_by(Order.purchased_at.desc(), Order.id.desc())
        .limit(26)
    )
    counted = select(func.count()).select_from(
        select(Order.id).where(condition).limit(COUNT_LIMIT + 1).subquery()
    )

    def read() -> None:
        with database.reading() as session:
            if session.get_bind().dialect.name == "postgresql":
                # GIN indexes are read only by bitmap scans: without them, the plan of before.
                session.execute(sql("SET LOCAL enable_bitmapscan = off"))
            list(session.scalars(page))
            session.scalar(counted)

    try:
        return timings(read, samples=samples, warmup=1)
    finally:
        database.dispose()


def measure(url: str, backend: str, size: int, samples: int, seeded: float) -> list[Measurement]:
    found = page_timings(url, samples)
    baseline = scan_timings(url, BASELINE_SAMPLES if samples > 5 else 2)
    every = [seconds for times in found.values() for seconds in times]
    slowest = max(found, key=lambda text: quantile(found[text], 0.95))
    mix = (
        f"{size:,} orders, {len(TEXTS)} texts, {samples} requests; slowest text "
        f"{slowest!r} p95 {quantile(found[slowest], 0.95) * 1000:.0f} ms"
    )
    label = "orders list, text search"
    return [
        Measurement(NAME, f"{label}, p50 ({backend})", quantile(every, 0.5) * 1000, "ms", note=mix),
        Measurement(
            NAME,
            f"{label}, p95 ({backend})",
            quantile(every, 0.95) * 1000,
            "ms",
            target="≤ 200 ms",
            note=f"seeded in {seeded:.0f} s (not measured)" if seeded else "cached seed",
        ),
        Measurement(
            NAME,
            f"{label} without index (plain scan, baseline), p50 ({backend})",
            quantile(baseline, 0.5) * 1000,
            "ms",
            note=f"{BASELINE_TEXT!r}: page and count on the hub, {len(baseline)} requests",
        ),
    ]


def run(options: Options) -> list[Measurement]:
    size = seeding.orders_for(options)
    samples = 5 if options.quick else 20
    started = time.perf_counter()
    path, made = seeding.cached_sqlite(size)
    seeded = time.perf_counter() - started if made else 0.0
    measurements = measure(f"sqlite:///{path}", "SQLite", size, samples, seeded)
    started = time.perf_counter()
    url, made = seeding.cached_postgres(POSTGRES_URL, size, prefix=DATABASE_PREFIX)
    seeded = time.perf_counter() - started if made else 0.0
    return measurements + measure(url, "PostgreSQL", size, samples, seeded)
