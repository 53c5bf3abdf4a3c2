"""Automatic refusal that cannot hurt (issue 15): a SKU never counted on the connection is never
refused for stock, the orders already waiting when it is switched on are refused only when the
seller confirms (``test_auto_refuse_web.py``: page, API, CLI), and every automatic decision is on
the order's timeline with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.orders.acceptance import AUTO_ACCEPTED, AUTO_REFUSED, COVERED, decide
from cdlink.hub.orders.stock import describe
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Order, OrderSyncEvent, OutboxEntry
from cdlink.sync.orders import backlog
from cdlink.sync.orders.stock import inventory
from cdlink.sync.orders.timeline import timeline
from tests.support.stocked_shop import (
    CONNECTION,
    OFFERS,
    marketplace_lines,
    run,
    stocked_environment,
    stored,
)
from tests.support.stocked_shop import inventory as shop_inventory
from tests.support.waiting_orders import (
    COUNTED,
    ELSEWHERE,
    SHORT_REASON,
    UNCOUNTED,
    draft,
    refusals,
    stocked_shop,
    switch_on,
    waiting,
    with_backlog,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(database: Database, clock: ManualClock) -> int:
    return stocked_shop(database, clock)


def decided(database: Database, clock: ManualClock, order_id: int) -> tuple[str | None, list]:
    """What ``decide`` asks for the stored order now, and the issues it leaves on the order."""
    with database.session() as session:
        order = session.get_one(Order, order_id)
        decision = decide(session, order, inventory(session, clock))
        return (decision.kind if decision else None), list(order.stock_issues)


# The rule, in the back office.


def test_given_skus_never_counted_on_the_connection_when_auto_refusing_then_orders_wait(
    database: Database, clock: ManualClock, shop: int
) -> None:
    switch_on(database, clock, shop)
    clock.advance(1)
    nowhere = waiting(database, clock, shop, draft("A", clock, {UNCOUNTED: 1}))
    in_lyon = waiting(database, clock, shop, draft("B", clock, {ELSEWHERE: 1}))
    mixed = waiting(database, clock, shop, draft("C", clock, {COUNTED: 2, UNCOUNTED: 1}))

    assert decided(database, clock, nowhere) == (None, [{"kind": "unmanaged", "sku": UNCOUNTED}])
    assert decided(database, clock, in_lyon) == (None, [{"kind": "unmanaged", "sku": ELSEWHERE}])
    kind, issues = decided(database, clock, mixed)
    assert kind is None  # a shortage beside an uncounted SKU: the seller decides
    assert {"kind": "unmanaged", "sku": UNCOUNTED} in issues
    assert describe(issues[-1]).startswith(f"stock not managed for SKU {UNCOUNTED}")
    assert refusals(database) == []


def test_given_a_counted_sku_short_when_imported_after_switching_on_then_it_is_refused(
    database: Database, clock: ManualClock, shop: int
) -> None:
    switch_on(database, clock, shop)
    clock.advance(1)
    order_id = waiting(database, clock, shop, draft("SHORT-2", clock, {COUNTED: 2}))

    with database.session() as session:
        decision = decide(session, session.get_one(Order, order_id), inventory(session, clock))

    assert decision is not None
    assert decision.kind == "refuse"
    assert decision.reason == SHORT_REASON
    assert decision.payload == {"note": SHORT_REASON}


def test_given_orders_waiting_before_switching_on_when_read_again_then_none_is_refused(
    database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)
    switch_on(database, clock, shop)
    with database.reading() as session:
        short_id = session.scalars(select(Order.id).where(Order.marketplace_order_id == "SHORT-1"))
        order_id = short_id.one()

    kind, issues = decided(database, clock, order_id)

    assert kind is None  # imported before automatic refusal: left to the seller
    assert issues == [{"kind": "short", "sku": COUNTED, "wanted": 2, "available": 1}]
    with database.reading() as session:
        found = backlog.preview(session, shop, clock)
    assert [(item.marketplace_order_id, item.reason) for item in found] == [
        ("SHORT-1", SHORT_REASON)
    ]


def test_given_a_backlog_when_its_refusal_is_confirmed_then_each_is_refused_with_its_reason(
    database: Database, clock: ManualClock, shop: int
) -> None:
    with_backlog(database, clock, shop)
    with database.session() as session:
        refused_while_off = backlog.refuse_backlog(session, shop, clock)
    switch_on(database, clock, shop)

    with database.session() as session:
        refused = backlog.refuse_backlog(session, shop, clock)

    assert refused_while_off == 0
    assert refused == 1
    assert refusals(database) == ["SHORT-1"]
    with database.reading() as session:
        order = session.scalars(select(Order).where(Order.marketplace_order_id == "SHORT-1")).one()
        [event] = session.scalars(select(OrderSyncEvent).where(OrderSyncEvent.kind == AUTO_REFUSED))
        entries = [entry for entry in timeline(session, order) if entry.kind == AUTO_REFUSED]
        queued = session.scalars(select(OutboxEntry.stream)).all()
    assert event.order_id == order.id
    assert event.details["reason"] == SHORT_REASON
    assert event.details["backlog"] is True
    assert [entry.details for entry in entries] == [SHORT_REASON]
    assert "order_actions" in queued


# The orders stream: what it decides, on the order's timeline.


@pytest.fixture
def sandbox_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def marketplace(sandbox_clock: ManualClock) -> Sandbox:
    config = SandboxConfig(seed=7, offers=OFFERS, orders=0, processing_seconds=0)
    return Sandbox(config, clock=sandbox_clock)


@pytest.fixture
def stream_shop(
    settings: Settings, database: Database, marketplace: Sandbox, sandbox_clock: ManualClock
) -> JobEnvironment:
    """The stocked sandbox shop, automatic refusal on, no stock entered yet."""
    environment = stocked_environment(settings, database, marketplace, sandbox_clock)
    switch_on(database, sandbox_clock, CONNECTION)
    return environment


def automatic_events(environment: JobEnvironment, order_id: str) -> list[tuple[str, str | None]]:
    with environment.database.reading() as session:
        entries = timeline(session, stored(environment, order_id))
    return [(entry.kind, entry.details) for entry in entries if entry.kind.startswith("auto_")]


def test_given_no_stock_ever_entered_when_orders_arrive_then_none_is_refused(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    order_ids = marketplace.create_orders(3)

    run(stream_shop, "orders")

    assert refusals(stream_shop.database) == []
    for order_id in order_ids:
        issues = stored(stream_shop, order_id).stock_issues
        assert issues
        assert {issue["kind"] for issue in issues} == {"unmanaged"}
        assert automatic_events(stream_shop, order_id) == []


def test_given_a_short_sku_when_the_stream_refuses_then_the_timeline_says_how_many_lacked(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    [order_id] = marketplace.create_orders(1)
    wanted = marketplace_lines(marketplace, order_id)
    short = min(wanted)
    with shop_inventory(stream_shop) as stock:
        for item, units in wanted.items():
            stock.set_on_hand(item, "PARIS", units - (item == short), "count")

    run(stream_shop, "orders")

    reason = (
        f"not enough stock for SKU {short}: {wanted[short]} wanted, {wanted[short] - 1} available"
    )
    assert automatic_events(stream_shop, order_id) == [(AUTO_REFUSED, reason)]
    assert refusals(stream_shop.database) == [order_id]


def test_given_covered_lines_when_the_stream_accepts_then_the_timeline_says_why(
    stream_shop: JobEnvironment, marketplace: Sandbox
) -> None:
    [order_id] = marketplace.create_orders(1)
    with shop_inventory(stream_shop) as stock:
        for item, units in marketplace_lines(marketplace, order_id).items():
            stock.set_on_hand(item, "PARIS", units, "count")

    run(stream_shop, "orders")

    assert automatic_events(stream_shop, order_id) == [(AUTO_ACCEPTED, COVERED)]
