"""Reconciliation: the marketplace's recent orders against the local ones, healed to 0 / 0."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import ActivityEntry, Binding, Order
from tests.support.orders import assert_exactly_once, local_order_ids, run_until_success


def reconcile(shop: JobEnvironment) -> tuple[int, int, int]:
    report = shop.runner().run(1, "orders_reconciliation")
    assert report.outcome == "succeeded", report.message
    return report.counts["missing"], report.counts["duplicated"], report.counts["healed"]


@pytest.mark.slow
def test_given_an_import_through_faults_when_reconciled_then_it_reads_0_0(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.create_orders(120)
    sandbox.add_fault(
        {"kind": "status", "status": 503, "endpoint": "orders.list", "probability": 0.3}
    )
    sandbox.add_fault({"kind": "status", "status": 429, "endpoint": "orders.list", "count": 4})
    run_until_success(shop, attempts=30)
    sandbox.clear_faults()

    assert reconcile(shop) == (0, 0, 0)
    with shop.database.reading() as session:
        entry = session.scalars(
            select(ActivityEntry).where(ActivityEntry.kind == "orders.reconciled")
        ).one()
    assert "0 missing / 0 duplicated" in entry.message


@pytest.mark.slow
def test_given_orders_lost_locally_when_reconciled_then_they_are_healed_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    run_until_success(shop)
    lost, unbound, stale = local_order_ids(shop.database)[:3]
    with shop.database.session() as session:
        session.execute(delete(Order).where(Order.marketplace_order_id.in_([lost, stale])))
        session.execute(delete(Binding).where(Binding.external_id.in_([lost, unbound])))

    assert reconcile(shop) == (3, 0, 3)
    assert reconcile(shop) == (0, 0, 0)
    sandbox_clock.advance(60)
    run_until_success(shop)
    assert_exactly_once(shop, sandbox)
    with shop.database.reading() as session:
        stored = {
            order.marketplace_order_id: str(order.id) for order in session.scalars(select(Order))
        }
        bound = {b.external_id: b.local_id for b in session.scalars(select(Binding))}
    assert bound == stored  # every binding names the order stored for it


@pytest.mark.slow
def test_given_orders_the_stream_has_not_read_yet_when_reconciled_then_none_is_missing(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    assert reconcile(shop) == (0, 0, 0)  # the orders stream never ran: nothing is expected
    run_until_success(shop)
    sandbox_clock.advance(1)
    sandbox.create_orders(2)
    sandbox_clock.advance(30)

    assert reconcile(shop) == (0, 0, 0)  # two new orders: the stream's next run, not missing
    assert len(local_order_ids(shop.database)) == 25
