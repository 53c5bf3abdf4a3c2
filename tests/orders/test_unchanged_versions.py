"""Look-back re-reads of unchanged orders: no write, no event; waiting orders decided anyway.

The orders stream re-reads the last ten minutes at each run. An order read again exactly as it
is stored (the content hash on its binding) is counted ``unchanged`` and not written; one that
changed is. The ``in_stock`` acceptance policy no longer rides on those re-imports: each run
reads the orders still waiting for a decision and accepts the ones the stock now covers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.actions import IN_STOCK, actions_of, set_acceptance_policy
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import OrderSyncEvent
from cdlink.sync.engine.runner import RunReport
from tests.support.stocked_shop import (
    CONNECTION,
    OFFERS,
    inventory,
    marketplace_lines,
    seller_client,
    stocked_environment,
    stored,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(seed=11, offers=OFFERS, orders=0, processing_seconds=0)
    return Sandbox(config, clock=sandbox_clock)


@pytest.fixture
def env(
    settings: Settings, database: Database, sandbox: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    return stocked_environment(settings, database, sandbox, sandbox_clock)


def run_orders(env: JobEnvironment) -> RunReport:
    report = env.runner().run(CONNECTION, "orders")
    assert report.outcome == "succeeded", report.message
    return report


def events(env: JobEnvironment) -> int:
    with env.database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(OrderSyncEvent)) or 0)


def test_given_imported_orders_when_the_look_back_reads_them_unchanged_then_nothing_is_written(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    created = sandbox.create_orders(5)
    assert run_orders(env).counts["created"] == 5
    before = {order_id: stored(env, order_id).updated_at for order_id in created}
    recorded = events(env)
    sandbox_clock.advance(30)  # well within the ten minutes of look-back

    again = run_orders(env)

    assert again.counts.get("unchanged") == 5
    assert again.counts.get("updated", 0) == 0
    assert events(env) == recorded
    assert {order_id: stored(env, order_id).updated_at for order_id in created} == before


def test_given_one_order_changed_on_the_marketplace_when_read_again_then_only_it_is_written(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    created = sandbox.create_orders(3)
    run_orders(env)
    sandbox_clock.advance(30)
    with seller_client(env) as client:
        client.orders.accept(created[0])
    sandbox_clock.advance(1)

    again = run_orders(env)

    assert (again.counts.get("updated"), again.counts.get("unchanged")) == (1, 2)
    assert stored(env, created[0]).status == "Accepted"


def test_given_a_waiting_order_when_stock_arrives_after_the_look_back_then_the_next_run_accepts_it(
    env: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    with env.database.session() as session:
        set_acceptance_policy(session, CONNECTION, IN_STOCK, sandbox_clock.now())
    [order_id] = sandbox.create_orders(1)
    wanted = marketplace_lines(sandbox, order_id)
    run_orders(env)
    assert stored(env, order_id).stock_issues  # nothing in stock: it waits, with the reasons
    sandbox_clock.advance(3600)  # the order left the look-back long ago: no run re-reads it
    run_orders(env)
    with inventory(env) as stock:
        for item, units in wanted.items():
            stock.set_on_hand(item, "PARIS", units, "count")

    report = run_orders(env)

    assert report.counts.get("decided") == 1
    assert report.counts.get("unchanged", 0) == report.counts.get("updated", 0) == 0
    with env.database.reading() as session:
        kinds = [action.kind for action in actions_of(session, stored(env, order_id).id)]
    assert kinds == ["accept"]
    assert stored(env, order_id).stock_issues == []
