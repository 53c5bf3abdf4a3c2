"""Look-back re-reads: what the orders stream reads and writes again after a storm.

After a storm (thousands of orders updated within the last ten minutes, as the chaos run's
storm leaves them), the orders stream's runs read them again for its look-back. Before, each run
read the whole look-back again and wrote each order again (its row, its lines, stock followed);
now an order read again with the content hash its binding holds is ``unchanged`` and not written,
and most runs read again only the last minute (``OrdersImporter.overlap``), the whole look-back
once a minute.

- "orders written per run after a storm": the orders the run after the storm's import writes
  (created or updated), with version skipping (now) and, as the baseline in the same run, as
  before (every re-read written, the whole look-back read at every run).
- "orders read per run after a storm": the orders read (written or found unchanged) per run over
  the minute after that import, runs every 10 s (six runs), now and as before.

2,000 orders (500 with ``--quick``) in bursts of 100 over nine and a half minutes, SQLite, the
in-process sandbox.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_orders import environment
from bench.harness import Measurement, Options
from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.orders.stream import OrderRecord, OrdersImporter

NAME = "lookback"
#: The runs after the storm's import: a minute of them, every 10 s.
RUNS, EVERY = 6, 10


class AsBefore(OrdersImporter):
    """The orders stream before versions were kept and overlaps read: every run reads the whole
    look-back again, and every order read is written."""

    overlap = None

    def version(self, record: OrderRecord) -> str | None:
        return None


def runs_after_a_storm(
    directory: Path, orders: int, name: str, *, baseline: bool
) -> tuple[int, float, list[int]]:
    """(orders the first run after the storm's import wrote, its seconds, orders each of the
    runs of the next minute read)."""
    clock = ManualClock()
    sandbox = Sandbox(SandboxConfig(seed=3, orders=0, offers=max(60, orders // 10)), clock=clock)
    for reference in sandbox.offer_quantities():
        sandbox.set_offer_quantity(reference, 100_000)
    shop = environment(directory, sandbox, clock, name)
    shop.settings = shop.settings.model_copy(update={"octopia_max_calls_per_second": 1000})
    if baseline:
        shop.registry = StreamRegistry([AsBefore])
    bursts = orders // 100
    for _ in range(bursts):
        sandbox.create_orders(100)
        clock.advance(570 / bursts)  # the storm: all of it within the look-back
    first = shop.runner().run(1, "orders")
    if first.outcome != "succeeded":
        raise RuntimeError(first.message)
    written, seconds, read = 0, 0.0, []
    for number in range(RUNS):
        clock.advance(EVERY)
        started = time.perf_counter()
        report = shop.runner().run(1, "orders")
        if report.outcome != "succeeded":
            raise RuntimeError(report.message)
        counts = report.counts
        if number == 0:
            seconds = time.perf_counter() - started
            written = counts.get("created", 0) + counts.get("updated", 0)
        read.append(sum(counts.get(key, 0) for key in ("created", "updated", "unchanged")))
    return written, seconds, read


def run(options: Options) -> list[Measurement]:
    orders = 500 if options.quick else 2000
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        before, before_seconds, before_read = runs_after_a_storm(
            directory, orders, "before", baseline=True
        )
        after, after_seconds, after_read = runs_after_a_storm(
            directory, orders, "after", baseline=False
        )
    note = f"{orders:,} orders updated within the look-back, the next run, SQLite"
    reads = f"{orders:,} orders updated within the look-back, {RUNS} runs {EVERY} s apart"
    return [
        Measurement(
            NAME,
            "orders written per run after a storm, before (every re-read written)",
            before,
            "orders",
            note=f"{note}; the run took {before_seconds:.1f} s",
        ),
        Measurement(
            NAME,
            "orders written per run after a storm",
            after,
            "orders",
            target="0 when nothing changed",
            note=f"{note}; the run took {after_seconds:.1f} s",
        ),
        Measurement(
            NAME,
            "orders read per run after a storm, before (the whole look-back at every run)",
            statistics.fmean(before_read),
            "orders",
            note=f"{reads}: {', '.join(map(str, before_read))}",
        ),
        Measurement(
            NAME,
            "orders read per run after a storm",
            statistics.fmean(after_read),
            "orders",
            note=f"{reads}: {', '.join(map(str, after_read))} (the last minute again; the whole "
            "look-back once a minute)",
        ),
    ]
