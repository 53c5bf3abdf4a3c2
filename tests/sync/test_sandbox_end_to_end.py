"""The engine, the real client and the in-process sandbox together: a stream of orders.

``SandboxOrders`` is a test importer, not the product's orders stream (that comes with the hub):
it reads the sandbox's orders window by window through ``context.client()`` and binds each one.
Run twice with new orders in between, every order the marketplace lists is imported exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia.models import Order
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Binding
from cdlink.sync.engine.importer import Importer
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.engine.windows import Window
from tests.support.sandbox_shop import sandbox_connection
from tests.support.sync_tables import create_tables, local, local_records


class SandboxOrders(Importer[Order, dict[str, Any]]):
    name = "sandbox_orders"
    kind = "order"
    history = timedelta(days=60)
    window_size = timedelta(days=7)

    def fetch(self, context: StreamContext, window: Window) -> Iterable[Order]:
        return list(context.client().orders.list_changed(window.start, window.end))

    def external_id(self, record: Order) -> str:
        return record.order_id

    def map(self, record: Order) -> dict[str, Any]:
        return {"external_id": record.order_id, "value": len(record.lines)}

    def write(
        self, session: Session, context: StreamContext, mapped: dict[str, Any], local_id: str | None
    ) -> str:
        if local_id is not None:
            return local_id
        inserted = session.execute(local.insert().values(**mapped).returning(local.c.id))
        return str(inserted.scalar_one())


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=3, orders=12, orders_per_hour=6), clock=sandbox_clock)


@pytest.fixture
def shop(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    create_tables(database)
    with database.session() as session:
        session.add(sandbox_connection(settings, sandbox, sandbox_clock.now()))
    registry = StreamRegistry()
    registry.register(SandboxOrders)
    clients = in_process_clients(settings, sandbox_clock, transports=sandbox.transport)
    return JobEnvironment(settings, database, sandbox_clock, registry, clients=clients)


def marketplace_order_ids(sandbox: Sandbox, since: datetime) -> set[str]:
    with sandbox.transport() as transport, httpx.Client(transport=transport) as http:
        credentials = sandbox.credentials
        token = http.post(
            sandbox.token_url(),
            data={
                "grant_type": "client_credentials",
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            },
        ).json()["access_token"]
        body = http.get(
            sandbox.api_url() + "/orders",
            params={"pageSize": 100, "updatedAtMin": since.isoformat()},
            headers={
                "Authorization": f"Bearer {token}",
                "SellerId": str(credentials.seller_id),
            },
        ).json()
    return {item["orderId"] for item in body["items"]}


def test_given_the_sandbox_when_the_orders_stream_runs_twice_then_every_order_is_bound_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    first = shop.runner().run(1, "sandbox_orders")
    sandbox_clock.advance(3600)  # an hour passes for both: new orders arrive, others move on
    second = shop.runner().run(1, "sandbox_orders")

    assert (first.outcome, second.outcome) == ("succeeded", "succeeded"), second.message
    imported = [external_id for external_id, _ in local_records(shop.database)]
    assert len(imported) == len(set(imported))
    expected = marketplace_order_ids(sandbox, sandbox_clock.now() - timedelta(days=60))
    assert set(imported) == expected
    assert len(expected) > 12  # the hour added orders
    with shop.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Binding)) == len(expected)
