"""Fixtures of the stock tests: a sandbox shop, a stock-synced connection, two warehouses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection
from tests.support.stock import CONNECTION, SKUS, sku


def pusher_on(clock: ManualClock) -> type[StockPusher]:
    """The stock pusher whose pauses move the shared manual clock instead of sleeping."""

    class ManualClockPusher(StockPusher):
        def wait(self, context: StreamContext, seconds: float) -> None:
            clock.advance(seconds)

    return ManualClockPusher


def add_connection(
    session: Session, settings: Settings, sandbox: Sandbox, clock: ManualClock, *, synced: bool
) -> None:
    session.add(
        sandbox_connection(
            settings, sandbox, clock.now(), connection_id=CONNECTION, stock_sync_enabled=synced
        )
    )
    session.flush()


def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sku_count() -> int:
    """How many SKUs the shop has (a test module overrides it for a bigger shop)."""
    return SKUS


@pytest.fixture
def sandbox(sandbox_clock: ManualClock, sku_count: int) -> Sandbox:
    return Sandbox(SandboxConfig(seed=5, offers=sku_count, orders=0), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings,
    database: Database,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    sku_count: int,
) -> JobEnvironment:
    """Connection 1 (stock sync on) sells warehouses PARIS and LYON, empty; Cdiscount shows 0."""
    with database.session() as session:
        add_connection(session, settings, sandbox, sandbox_clock, synced=True)
        for index in range(sku_count):
            add_product(session, sandbox_clock, sku(index), title=f"Product {index}")
        stock = Inventory(session, sandbox_clock, publish_to_outbox)
        for code, name in (("PARIS", "Paris"), ("LYON", "Lyon")):
            add_warehouse(session, sandbox_clock, code, name)
            stock.map_warehouse(code, CONNECTION)
        for index in range(sku_count):  # the seller counted everything: nothing in stock
            stock.set_on_hand(sku(index), "PARIS", 0, "count")
    registry = StreamRegistry()
    registry.register(pusher_on(sandbox_clock))
    # The client's retries wait on the manual clock too: fault tests take no real time.
    retry = RetryPolicy(sleep=lambda seconds: _advance(sandbox_clock, seconds))
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport, retry=retry)
    environment = JobEnvironment(settings, database, sandbox_clock, registry, clients=clients)
    # The count queued "0 available" for every SKU: Cdiscount starts in step.
    first = environment.runner().run(CONNECTION, "stock")
    assert first.counts["confirmed"] == sku_count, first.message
    return environment
