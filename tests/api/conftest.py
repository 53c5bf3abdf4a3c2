"""A shop with orders, stock, warehouses and notifications on the in-process sandbox, and its
REST API behind a personal token (the fixtures of the API convention and CSV tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.notifications import check_deadlines
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.sync.registry import default_registry
from tests.support.sandbox_app import token_api
from tests.support.stocked_shop import CONNECTION, inventory, run, sku, stocked_environment

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(settings: Settings, database: Database) -> JobEnvironment:
    """Connection 1 with 9 imported orders, their discussions and finance operations, stock in
    two warehouses and a notification."""
    clock = ManualClock(START)
    sandbox = Sandbox(SandboxConfig(seed=11, orders=9, processing_seconds=0), clock=clock)
    stocked = stocked_environment(settings, database, sandbox, clock)
    # Every stream cdlink ships (the stocked shop registers only the orders and stock ones).
    environment = JobEnvironment(
        settings, database, clock, default_registry, clients=stocked.clients
    )
    for stream in ("orders", "discussions", "finance"):
        run(environment, stream)
    with inventory(environment) as stock:
        for index in range(5):
            stock.set_on_hand(sku(index), "PARIS", 10 + index, "count")
    with database.session() as session:
        check_deadlines(session, CONNECTION, clock.now())
    return environment


@pytest.fixture
def api(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    with token_api(settings, shop) as client:
        yield client
