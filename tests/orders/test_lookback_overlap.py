"""The orders stream reads the last minute again at each run and its whole look-back once a minute.

A busy shop's ten-minute look-back holds thousands of orders; read again at every run (every 10 s)
it spent most of the call budget the acceptances share. Most runs now read only the last minute
again (``OrdersImporter.overlap``), and a run a minute reads the whole look-back again, plus that
minute (``cdlink.sync.engine.cursors``). An order that shows on the marketplace late, with an
``updatedAt`` further back than the overlap, is therefore read within a minute, not at the next
run; one within the overlap at the next run, as before.

The marketplace's clock is set behind cdlink's by ``late``: every order it lists looks that much
older than it is when cdlink first sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Order
from tests.support.lagging_clocks import LaggingClocks
from tests.support.sandbox_app import sandbox_environment

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stored_ids(shop: JobEnvironment) -> set[str]:
    with shop.database.reading() as session:
        return set(session.scalars(select(Order.marketplace_order_id)))


@pytest.mark.parametrize(
    ("late", "read_by_the_next_run"),
    [(timedelta(seconds=30), True), (timedelta(minutes=5), False)],
)
def test_given_an_order_that_shows_late_when_the_stream_runs_then_it_is_read_within_a_minute(
    settings: Settings, database: Database, late: timedelta, read_by_the_next_run: bool
) -> None:
    clocks = LaggingClocks.behind(START, late)
    config = SandboxConfig(seed=5, orders=0, processing_seconds=0)
    sandbox = Sandbox(config, clock=clocks.marketplace)
    shop = sandbox_environment(settings, database, sandbox, clocks.cdlink)

    clocks.run_after(shop, "orders", 0)  # the first import: the look-back read whole, recorded
    [order_id] = sandbox.create_orders(1)
    clocks.run_after(shop, "orders", 10)
    assert (order_id in stored_ids(shop)) is read_by_the_next_run
    clocks.run_after(shop, "orders", 40)  # still within the minute: only the overlap again
    assert (order_id in stored_ids(shop)) is read_by_the_next_run
    clocks.run_after(shop, "orders", 20)  # a minute after the whole read: read whole again

    assert stored_ids(shop) == {order_id}
