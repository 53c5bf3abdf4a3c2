"""Look-back re-reads: what the orders stream writes when it reads again orders that did not change.

After a storm (thousands of orders updated within the last ten minutes, as the chaos run's
storm leaves them), every run of the orders stream reads them again for its look-back. Before,
each was written again (its row, its lines, stock followed); now an order read again with the
content hash its binding holds is ``unchanged`` and not written.

- "orders written per run after a storm": the orders the second run writes (created or
  updated), with version skipping (now) and, as the baseline in the same run, without it
  (``version`` answering None: every re-read written). 2,000 orders (500 with ``--quick``),
  SQLite, the in-process sandbox.
"""

from __future__ import annotations

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


class EveryReadWritten(OrdersImporter):
    """The orders stream before versions were kept: every order read is written."""

    def version(self, record: OrderRecord) -> str | None:
        return None


def second_run(directory: Path, orders: int, name: str, *, baseline: bool) -> tuple[int, float]:
    """(orders the run after the storm's import wrote, its seconds)."""
    clock = ManualClock()
    sandbox = Sandbox(SandboxConfig(seed=3, orders=0, offers=max(60, orders // 10)), clock=clock)
    for reference in sandbox.offer_quantities():
        sandbox.set_offer_quantity(reference, 100_000)
    shop = environment(directory, sandbox, clock, name)
    shop.settings = shop.settings.model_copy(update={"octopia_max_calls_per_second": 1000})
    if baseline:
        shop.registry = StreamRegistry([EveryReadWritten])
    for _ in range(orders // 100):
        sandbox.create_orders(100)
        clock.advance(2)  # the storm: all of them within the look-back
    first = shop.runner().run(1, "orders")
    if first.outcome != "succeeded":
        raise RuntimeError(first.message)
    clock.advance(10)  # the next run, ten seconds later
    started = time.perf_counter()
    second = shop.runner().run(1, "orders")
    elapsed = time.perf_counter() - started
    if second.outcome != "succeeded":
        raise RuntimeError(second.message)
    written = second.counts.get("created", 0) + second.counts.get("updated", 0)
    return written, elapsed


def run(options: Options) -> list[Measurement]:
    orders = 500 if options.quick else 2000
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        before, before_seconds = second_run(directory, orders, "before", baseline=True)
        after, after_seconds = second_run(directory, orders, "after", baseline=False)
    note = f"{orders:,} orders updated within the look-back, the next run, SQLite"
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
    ]
