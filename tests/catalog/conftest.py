"""Fixtures of the catalog tests: a sandbox shop, a connection, the catalog streams on a
manual clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.sync.catalog.publisher import ProductPublisher
from cdlink.sync.catalog.referential import CatalogImport
from cdlink.sync.catalog.taxonomy import TaxonomyFetcher
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.stock.offer_import import OfferImport
from tests.support.catalog import CONNECTION
from tests.support.sandbox_shop import sandbox_connection


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=7, offers=6, orders=0), clock=sandbox_clock)


@pytest.fixture
def catalog_shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """Connection 1 on the sandbox, the catalog streams registered, the taxonomy cached."""
    with database.session() as session:
        session.add(
            sandbox_connection(settings, sandbox, sandbox_clock.now(), connection_id=CONNECTION)
        )
    registry = StreamRegistry([TaxonomyFetcher, CatalogImport, ProductPublisher, OfferImport])
    retry = RetryPolicy(sleep=sandbox_clock.advance)
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport, retry=retry)
    environment = JobEnvironment(settings, database, sandbox_clock, registry, clients=clients)
    report = environment.runner().run(CONNECTION, "taxonomy")
    assert report.outcome == "succeeded", report.message
    return environment
