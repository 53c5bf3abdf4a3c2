"""Fixtures of the pricing tests: a sandbox shop with stock and price sync on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from tests.support.priced_shop import CONNECTION, priced_environment

SKUS = 10


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=5, offers=SKUS, orders=0), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Every SKU at 20 € and 5 units, sent and confirmed once."""
    environment = priced_environment(settings, database, sandbox, sandbox_clock, skus=SKUS)
    first = environment.runner().run(CONNECTION, "stock")
    assert first.counts["confirmed"] == 2 * SKUS, first.message
    return environment
