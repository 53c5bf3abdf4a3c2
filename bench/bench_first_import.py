"""First import: how close the orders stream's first run comes to what the API allows.

- "first import calls / minimum calls": the marketplace calls (``GET /orders`` pages and
  ``GET /orders/count``; the token excluded) a first run of the orders stream makes, over the
  fewest that could read its orders, ``ceil(orders / 100)`` (target ≤ 1.5), on a sparse shop
  (600 orders over 30 days) and on a dense one (20,000 orders; 4,000 with ``--quick``). Beside
  it, the same figure for the sparse shop read in the fixed 6-hour windows used before windows
  adapted, as the baseline.
- "first import rate / API limit": on the dense shop, in the same run, orders imported per second
  over the rate the call budget allows, ``calls per second * 100`` orders a page (target ≥ 0.8).

Each shop is the in-process sandbox with a fresh SQLite database, the client's default budget
(``CDLINK_OCTOPIA_MAX_CALLS_PER_SECOND``) on the real clock.
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_orders import environment
from bench.harness import Measurement, Options
from cdlink.core.clock import SystemClock
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.engine.windows import WindowPolicy
from cdlink.sync.orders.stream import OrdersImporter

NAME = "first_import"
PAGE = 100


class FixedWindowOrders(OrdersImporter):
    """The orders stream as it was: windows of six hours whatever they hold (the baseline)."""

    window_policy = WindowPolicy.fixed(timedelta(hours=6))


def first_run(
    directory: Path, orders: int, name: str, *, fixed: bool = False
) -> tuple[int, int, float, float]:
    """(orders imported, marketplace calls, seconds, the budget's calls per second)."""
    sandbox = Sandbox(SandboxConfig(seed=7, orders=orders, offers=max(60, orders // 10)))
    shop = environment(directory, sandbox, SystemClock(), name)
    if fixed:
        shop.registry = StreamRegistry([FixedWindowOrders])
    before = len(sandbox.requests())
    started = time.perf_counter()
    report = shop.runner().run(1, "orders")
    elapsed = time.perf_counter() - started
    if report.outcome != "succeeded":
        raise RuntimeError(report.message)
    calls = sum(1 for call in sandbox.requests()[before:] if call["endpoint"] != "token")
    return report.counts["created"], calls, elapsed, shop.settings.octopia_max_calls_per_second


def run(options: Options) -> list[Measurement]:
    dense_orders = 4000 if options.quick else 20000
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        baseline = first_run(directory, 600, "fixed", fixed=True)
        sparse = first_run(directory, 600, "sparse")
        dense = first_run(directory, dense_orders, "dense")
    measurements = []
    for label, (orders, calls, _, _) in (
        ("fixed 6-hour windows (before)", baseline),
        ("sparse shop", sparse),
        ("dense shop", dense),
    ):
        minimum = math.ceil(orders / PAGE)
        measurements.append(
            Measurement(
                NAME,
                "first import calls / minimum calls"
                if label != "fixed 6-hour windows (before)"
                else "first import calls / minimum calls, fixed 6-hour windows (before)",
                calls / minimum,
                "ratio",
                target="≤ 1.5",
                note=f"{label}: {orders:,} orders over 30 days, {calls} calls for {minimum}",
            )
        )
    orders, calls, seconds, per_second = dense
    limit = per_second * PAGE
    measurements.append(
        Measurement(
            NAME,
            "first import rate / API limit",
            orders / seconds / limit,
            "ratio",
            target="≥ 0.8",
            note=f"dense shop: {orders:,} orders in {seconds:.1f} s ({orders / seconds:,.0f}/s) "
            f"against {per_second:g} calls/s * {PAGE} = {limit:,.0f} orders/s, SQLite",
        )
    )
    return measurements
