"""Fixtures of the sync engine tests: a connection, the test marketplace, a runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from redis import Redis

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.engine import Database
from cdlink.sync.engine.streams import StreamRegistry
from tests.support.connections import add_connection
from tests.support.databases import REDIS_URL
from tests.support.sync_tables import TableImporter, create_tables


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
