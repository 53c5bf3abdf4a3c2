"""Fixtures of the webhook tests: a shop on the in-process sandbox, a real HTTP receiver on
127.0.0.1 (allowed by ``webhook_allow_private_hosts``), the web app as an administrator or a
token holder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from tests.support.sandbox_app import admin_pages, sandbox_environment, token_api
from tests.support.webhook_receiver import Receiver, webhook_receiver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared settings, with private hosts allowed so the local receiver can be reached."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        sync_embedded_enabled=False,
        webhook_allow_private_hosts=True,
    )


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=5, orders=0, processing_seconds=0), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    return sandbox_environment(settings, database, sandbox, sandbox_clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as started:
        yield started


@pytest.fixture
def browser(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    with admin_pages(settings, shop) as client:
        yield client


@pytest.fixture
def api(settings: Settings, shop: JobEnvironment) -> Iterator[TestClient]:
    with token_api(settings, shop) as client:
        yield client
