"""Fixtures of the sync engine tests: a connection, the test marketplace, a runner."""

from __future__ import annotations

import pytest

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.streams import StreamRegistry
from tests.sync.marketplace import TableImporter, create_tables


def add_connection(database: Database, clock: ManualClock, name: str = "Shop") -> int:
    with database.session() as session:
        connection = Connection(
            name=name,
            seller_id=len(name) * 1000 + ord(name[-1]),
            client_id=f"client-{name}",
            secret_ciphertext="not-a-real-ciphertext",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(connection)
        session.flush()
        return connection.id


@pytest.fixture
def connection_id(database: Database, clock: ManualClock) -> int:
    create_tables(database)
    return add_connection(database, clock)


@pytest.fixture
def registry() -> StreamRegistry:
    registry = StreamRegistry()
    registry.register(TableImporter)
    return registry


@pytest.fixture
def environment(
    settings: Settings, database: Database, clock: ManualClock, registry: StreamRegistry
) -> JobEnvironment:
    return JobEnvironment(settings, database, clock, registry)
