"""Fixtures of the sync engine tests: a connection, the test marketplace, a runner."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis

from cdlink.core.clock import Clock, ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.engine import Database
from cdlink.store.models import Connection
from cdlink.sync.engine.streams import StreamRegistry
from tests.sync.marketplace import TableImporter, create_tables

REDIS_URL = os.environ.get("CDLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def add_connection(database: Database, clock: Clock, name: str = "Shop") -> int:
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


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A key prefix of this test alone; every key under it is deleted afterwards."""
    namespace = f"cdlink-test-{uuid.uuid4().hex[:12]}"
    client = Redis.from_url(REDIS_URL)
    yield namespace
    for key in client.scan_iter(match=f"{namespace}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    client.close()
