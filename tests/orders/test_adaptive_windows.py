"""Adaptive windows: how the window policy grows, shrinks and cuts windows.

The helpers above the tests (a shop per example, any policy) are for the property test still to
come: any arrival pattern, any policy, each order imported once.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import strategies as st
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Binding, Order
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.engine.windows import Window, WindowPolicy
from cdlink.sync.orders.stream import OrdersImporter
from tests.support.orders import marketplace_orders
from tests.support.sandbox_shop import sandbox_connection

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Each example gets its own connection (and sandbox seller) in the test's database.
CONNECTIONS = itertools.count(10)


@st.composite
def policies(draw: st.DrawFn) -> WindowPolicy:
    seconds = st.integers(min_value=1, max_value=40 * 86400)
    minimum, initial, maximum = sorted(draw(st.lists(seconds, min_size=3, max_size=3)))
    return WindowPolicy(
        initial=timedelta(seconds=initial),
        maximum=timedelta(seconds=maximum),
        minimum=timedelta(seconds=minimum),
        target=draw(st.integers(min_value=50, max_value=400)),
        growth=draw(st.floats(min_value=2.0, max_value=16.0)),
    )


#: One step: the clock moves on, a burst of orders arrives, and maybe the stream runs.
steps = st.tuples(
    st.integers(min_value=0, max_value=5 * 86400),
    st.integers(min_value=0, max_value=80),
    st.booleans(),
)


def environment(
    settings_: Settings, database: Database, policy: WindowPolicy
) -> tuple[JobEnvironment, Sandbox, int]:
    connection_id = next(CONNECTIONS)
    clock = ManualClock(START)
    # The manual clock never refills the call budget: small windows make many calls.
    settings_ = settings_.model_copy(update={"octopia_max_calls_per_second": 1000})
    config = SandboxConfig(
        seed=connection_id, seller_id=700000 + connection_id, orders=0, offers=80
    )
    config.processing_seconds = 0
    sandbox = Sandbox(config, clock=clock)
    for reference in sandbox.offer_quantities():
        sandbox.set_offer_quantity(reference, 10_000)
    with database.session() as session:
        session.add(
            sandbox_connection(
                settings_,
                sandbox,
                clock.now(),
                connection_id=connection_id,
                name=f"Shop {connection_id}",
            )
        )

    class PolicyOrders(OrdersImporter):
        window_policy = policy

    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings_, clock, transports=sandbox.transport, retry=retry)
    registry = StreamRegistry([PolicyOrders])
    return (
        JobEnvironment(settings_, database, clock, registry, clients=clients),
        sandbox,
        connection_id,
    )


def run_orders(shop: JobEnvironment, connection_id: int) -> None:
    report = shop.runner().run(connection_id, "orders")
    assert report.outcome == "succeeded", report.message


def assert_each_order_once(shop: JobEnvironment, sandbox: Sandbox, connection_id: int) -> None:
    expected = set(marketplace_orders(sandbox, since=timedelta(days=60)))
    with shop.database.reading() as session:
        imported = list(
            session.scalars(
                select(Order.marketplace_order_id).where(Order.connection_id == connection_id)
            )
        )
        bindings = session.scalar(
            select(func.count())
            .select_from(Binding)
            .where(Binding.connection_id == connection_id, Binding.kind == "order")
        )
    assert len(imported) == len(set(imported)), "an order was imported twice"
    assert set(imported) == expected
    assert bindings == len(expected)


DAY = timedelta(days=1)
WINDOW = Window(START, START + DAY)


def test_given_a_sparse_window_when_the_next_is_sized_then_it_grows_up_to_the_maximum() -> None:
    policy = WindowPolicy(initial=DAY, maximum=DAY * 30, target=2000, growth=8)

    assert policy.next_size(WINDOW, 0) == DAY * 8
    assert policy.next_size(WINDOW, 1000) == DAY * 2
    assert policy.next_size(Window(START, START + DAY * 10), 10) == DAY * 30


def test_given_a_full_window_when_the_next_is_sized_then_it_shrinks_to_the_target() -> None:
    policy = WindowPolicy(initial=DAY, maximum=DAY * 30, target=2000)

    assert policy.next_size(WINDOW, 8000) == DAY / 4
    assert policy.cut(WINDOW, 20000) == DAY / 10
    assert policy.expect(WINDOW, 0.5).limit == 5000


def test_given_a_window_at_the_minimum_when_expected_then_it_has_no_limit_and_cuts_shorter() -> (
    None
):
    policy = WindowPolicy(initial=DAY, maximum=DAY * 30, minimum=DAY, target=10)

    assert policy.expect(WINDOW, None).limit is None
    longer = Window(START, START + DAY * 3)
    assert policy.cut(longer, 10**6) == DAY
    assert policy.cut(longer, 10**6) < longer.length


def test_given_an_adaptive_policy_that_cannot_grow_when_made_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="growth"):
        WindowPolicy(initial=DAY, maximum=DAY * 2, growth=1.5)


def test_given_a_fixed_policy_then_every_window_has_its_size() -> None:
    policy = WindowPolicy.fixed(timedelta(hours=6))

    assert policy.next_size(WINDOW, 0) == timedelta(hours=6)
    assert policy.next_size(WINDOW, 10**6) == timedelta(hours=6)
    assert policy.expect(WINDOW, None).limit is None


@pytest.mark.parametrize(
    ("minimum", "initial", "maximum"),
    [(DAY * 2, DAY, DAY * 3), (DAY, DAY * 4, DAY * 3), (timedelta(0), DAY, DAY)],
)
def test_given_bounds_out_of_order_when_a_policy_is_made_then_it_is_refused(
    minimum: timedelta, initial: timedelta, maximum: timedelta
) -> None:
    with pytest.raises(ValueError, match="minimum"):
        WindowPolicy(initial=initial, maximum=maximum, minimum=minimum)
