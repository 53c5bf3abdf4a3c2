"""The drift check: a quantity changed on Cdiscount's side is pushed back within a minute.

Times are the sandbox's manual clock: the check runs on its schedule (every 15 s), the pusher's
gathering and package polls move the clock, and the SKU is in step again within the minute.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Connection, MarketplaceQuantity, OutboxEntry
from cdlink.sync.stock.drift import DriftCheck
from tests.support.stock import CONNECTION, inventory, sku


def with_drift_check(shop: JobEnvironment) -> JobEnvironment:
    shop.registry.register(DriftCheck)
    assert shop.runner().run(CONNECTION, "stock_drift").outcome == "succeeded"
    return shop


def queued(shop: JobEnvironment) -> list[str]:
    with shop.database.reading() as session:
        query = select(OutboxEntry.key).where(OutboxEntry.state == "pending")
        return list(session.scalars(query))


def test_given_cdiscount_shows_more_than_available_when_the_check_runs_then_it_is_in_step_within_a_minute(  # noqa: E501
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    environment = with_drift_check(shop)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(0), "PARIS", 8, "count")
    assert environment.runner().run(CONNECTION, "stock").counts["confirmed"] == 1
    changed_at = sandbox_clock.now()
    sandbox.set_offer_quantity(sku(0), 9)  # Cdiscount gave a unit back on its own

    sandbox_clock.advance(DriftCheck.default_interval or 0)
    check = environment.runner().run(CONNECTION, "stock_drift")
    pushed = environment.runner().run(CONNECTION, "stock")

    assert check.counts["drift"] == 1
    assert pushed.counts["confirmed"] == 1
    assert sandbox.offer(sku(0))["quantity"] == 8
    assert sandbox_clock.now() - changed_at <= timedelta(minutes=1)
    with shop.database.reading() as session:
        shown = session.scalar(
            select(MarketplaceQuantity.quantity).where(MarketplaceQuantity.sku == sku(0))
        )
    assert shown == 9  # what the check read; the confirmed push is newer and says 8


def test_given_cdiscount_shows_fewer_units_when_the_check_runs_then_they_are_pushed_back_only_once_settled(  # noqa: E501
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    environment = with_drift_check(shop)
    with inventory(shop) as stock:
        stock.set_on_hand(sku(1), "PARIS", 5, "count")
    environment.runner().run(CONNECTION, "stock")
    sandbox.set_offer_quantity(sku(1), 4)  # as an order placed but not listed yet does

    sandbox_clock.advance(30)
    waiting = environment.runner().run(CONNECTION, "stock_drift")
    assert waiting.counts["settling"] == 1
    assert queued(shop) == []

    sandbox_clock.advance(DriftCheck.settle)
    sandbox.set_offer_quantity(sku(1), 4)  # still 4: read again by the next check
    sandbox_clock.advance(DriftCheck.settle)
    settled = environment.runner().run(CONNECTION, "stock_drift")

    assert settled.counts["drift"] == 1
    assert queued(shop) == [sku(1)]


def test_given_nothing_changed_on_cdiscount_when_the_check_runs_then_nothing_is_queued(
    shop: JobEnvironment, sandbox_clock: ManualClock
) -> None:
    environment = with_drift_check(shop)
    sandbox_clock.advance(30)

    report = environment.runner().run(CONNECTION, "stock_drift")

    assert report.outcome == "succeeded", report.message
    assert "drift" not in report.counts
    assert queued(shop) == []


def test_given_stock_sync_is_off_when_the_check_runs_then_it_reads_nothing(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    environment = with_drift_check(shop)
    with shop.database.session() as session:
        session.get_one(Connection, CONNECTION).stock_sync_enabled = False
    sandbox.set_offer_quantity(sku(2), 3)
    sandbox_clock.advance(30)

    report = environment.runner().run(CONNECTION, "stock_drift")

    assert "read" not in report.counts
    assert queued(shop) == []
