"""Drift healed: how long a quantity changed on Cdiscount's side stays out of step.

A SKU's quantity on Cdiscount moves on the marketplace's side (a unit given back, an edit in the
seller portal) to one more than cdlink's available-to-sell: the oversell case the demo showed
(8 available, 9 on Cdiscount). The measure is the time on the sandbox's clock from that change
until Cdiscount shows available-to-sell again: the wait for the next scheduled read (a change
falls anywhere in the schedule's interval, jitter included), the read, then the stock pusher's
package (gathering, upload, the sandbox's 35 s of integration, the polls).

- "drift → in step, p95": with the drift check (``cdlink.sync.stock.drift``, every 15 s).
- "drift → in step, p95, before (offers import hourly)": the baseline in the same run, when only
  the offers stream's hourly full read found the drift.

Times are simulated (a manual clock): the figure is the schedule's and the marketplace's, not
this machine's speed. 40 drifts each (10 with ``--quick``), SQLite, the in-process sandbox.
"""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.bench_orders import environment as bench_environment
from bench.harness import Measurement, Options, quantile
from cdlink.core.clock import ManualClock
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.models import Connection
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.sync.stock.drift import DriftCheck
from cdlink.sync.stock.offer_import import OfferImport
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox

NAME = "drift"
SKUS = 20
JITTER = 0.1  # the runner's default jitter fraction


def shop(directory: Path, name: str, reader: type[Stream]) -> tuple[JobEnvironment, Sandbox]:
    clock = ManualClock()
    sandbox = Sandbox(SandboxConfig(seed=7, orders=0, offers=SKUS), clock=clock)

    class ClockPusher(StockPusher):
        def wait(self, context: StreamContext, seconds: float) -> None:
            clock.advance(seconds)

    environment = bench_environment(directory, sandbox, clock, name)
    environment.registry = StreamRegistry([ClockPusher, reader])
    with environment.database.session() as session:
        session.get_one(Connection, 1).stock_sync_enabled = True
        stock = Inventory(session, clock, publish_to_outbox)
        add_warehouse(session, clock, "MAIN", "Main")
        stock.map_warehouse("MAIN", 1)
        for reference in sandbox.offer_quantities():
            add_product(session, clock, reference)
            stock.set_on_hand(reference, "MAIN", 8, "count")
    run_stream(environment, "stock")  # Cdiscount starts in step
    run_stream(environment, reader.name)
    return environment, sandbox


def run_stream(environment: JobEnvironment, stream: str) -> None:
    report = environment.runner().run(1, stream)
    if report.outcome != "succeeded":
        raise RuntimeError(f"{stream}: {report.message}")


def healing_seconds(directory: Path, name: str, reader: type[Stream], drifts: int) -> list[float]:
    """For each drift, the simulated seconds from the change to Cdiscount in step again."""
    environment, sandbox = shop(directory, name, reader)
    assert isinstance(environment.clock, ManualClock)
    clock = environment.clock
    interval = reader.default_interval or 0
    rng = random.Random(22)
    skus = sorted(sandbox.offer_quantities())
    seconds = []
    for _ in range(drifts):
        sku = rng.choice(skus)
        sandbox.set_offer_quantity(sku, 9)  # one more than the 8 available
        changed_at = clock.now()
        # The change falls anywhere before the next scheduled read.
        clock.advance(rng.uniform(0, interval * (1 + JITTER)))
        run_stream(environment, reader.name)
        run_stream(environment, "stock")
        if sandbox.offer(sku)["quantity"] != 8:
            raise RuntimeError(f"{sku} is still out of step after the read and the push")
        seconds.append((clock.now() - changed_at).total_seconds())
        clock.advance(timedelta(seconds=1))
    return seconds


def run(options: Options) -> list[Measurement]:
    drifts = 10 if options.quick else 40
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        after = healing_seconds(directory, "after", DriftCheck, drifts)
        before = healing_seconds(directory, "before", OfferImport, drifts)
    note = (
        f"{drifts} drifts of one unit above available-to-sell, simulated time (sandbox "
        "integration 35 s), SQLite"
    )
    return [
        Measurement(
            NAME,
            "drift → in step, p95, before (offers import hourly)",
            round(quantile(before, 0.95), 1),
            "s",
            note=note,
        ),
        Measurement(
            NAME,
            "drift → in step, p95",
            round(quantile(after, 0.95), 1),
            "s",
            target="≤ 60 s",
            note=f"{note}; the drift check every {DriftCheck.default_interval} s",
        ),
    ]
