"""Adaptive windows: whatever the orders' arrival pattern and the window policy, each order once.

The orders stream's windows grow while sparse and shrink when full (``WindowPolicy``); a window
counted above its limit is not read but asked for again, shorter; a window that changes while it
is read is read again or split (``window_reads``). None of it may lose or double an order. The
property test draws bursts of orders over weeks, orders changed while a run pages through its
windows, runs of the stream between them, any policy (targets down to one order a window,
minimums down to a second, maximums of a day or more) and small pages and batches, so that a
few orders go through every path a busy shop's thousands do. After each run that succeeds,
every order the marketplace lists as changed before the cursor's end is stored at that version
(the whole-window guarantee); at the end each order is imported exactly once, with one binding.

Each example is its own connection and sandbox seller in one SQLite copy of the migrated schema:
fifty examples take seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
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
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.engine.windows import Window, WindowPolicy, watermark
from cdlink.sync.orders.stream import OrdersImporter
from tests.support.databases import SchemaTemplates
from tests.support.sandbox_shop import sandbox_connection

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Each example gets its own connection (and sandbox seller) in the test's database.
CONNECTIONS = itertools.count(10)


@st.composite
def policies(draw: st.DrawFn) -> WindowPolicy:
    # Windows as short as a second, but the longest at least a day: a fixed policy of one
    # second would read a month in millions of windows.
    maximum = draw(st.integers(min_value=86400, max_value=40 * 86400))
    minimum = draw(st.integers(min_value=1, max_value=maximum))
    initial = draw(st.integers(min_value=minimum, max_value=maximum))
    return WindowPolicy(
        initial=timedelta(seconds=initial),
        maximum=timedelta(seconds=maximum),
        minimum=timedelta(seconds=minimum),
        target=draw(st.integers(min_value=1, max_value=12)),
        growth=draw(st.floats(min_value=2.0, max_value=16.0)),
    )


@dataclass(frozen=True)
class Step:
    """The clock moves on, a burst of orders arrives, and maybe the stream runs, while orders
    change after the listed calls of its run (a page or a count)."""

    advance: int
    arriving: int
    run: bool
    changes: frozenset[int]


steps = st.builds(
    Step,
    advance=st.integers(min_value=0, max_value=6 * 86400),
    arriving=st.integers(min_value=0, max_value=6),
    run=st.booleans(),
    changes=st.frozensets(st.integers(min_value=1, max_value=12), max_size=3),
)


class ChangingOrders(httpx.BaseTransport):
    """The sandbox served on an event loop of the calling thread (no hop to a transport
    thread per call: the examples make thousands of calls), where an order changes (a second
    later) after each orders call listed in ``changes``."""

    def __init__(self, sandbox: Sandbox, clock: ManualClock) -> None:
        self.sandbox = sandbox
        self.clock = clock
        self.changes: frozenset[int] = frozenset()
        self.calls = 0
        self.inner = sandbox.async_transport()
        self.loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        copy = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )
        response = self.loop.run_until_complete(self._send(copy))
        if "/orders" in request.url.path:
            self.calls += 1
            if self.calls in self.changes:
                self.change()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=response.content,
            request=request,
        )

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return response

    def change(self) -> None:
        """A customer asks to cancel an order (it leaves the window being read), or a new
        order arrives, alternately."""
        self.clock.advance(1)
        orders = sorted(self.sandbox.order_statuses())
        if orders and self.calls % 2:
            self.sandbox.customer_cancel_request(orders[self.calls % len(orders)])
        else:
            self.sandbox.create_orders(1)

    def close(self) -> None:
        """Kept open when a run's client closes: the next run uses it again."""

    def shut(self) -> None:
        self.loop.close()


@dataclass
class Shop:
    environment: JobEnvironment
    sandbox: Sandbox
    clock: ManualClock
    transport: ChangingOrders
    connection_id: int
    importer: OrdersImporter

    def run(self, changes: frozenset[int] = frozenset()) -> bool:
        """Run the orders stream once, orders changing after ``changes``; whether it
        succeeded (a window that kept changing is left to the next run)."""
        self.transport.changes, self.transport.calls = changes, 0
        report = self.environment.runner().run(self.connection_id, "orders")
        self.transport.changes = frozenset()
        assert report.outcome in ("succeeded", "failed"), report.message
        return report.outcome == "succeeded"

    def marketplace(self) -> dict[str, datetime]:
        """Every order of the seller: id → when it last changed."""
        return {
            order_id: datetime.fromisoformat(self.sandbox.order(order_id)["updatedAt"])
            for order_id in self.sandbox.order_statuses()
        }

    def stored(self) -> dict[str, datetime]:
        with self.environment.database.reading() as session:
            rows = session.execute(
                select(Order.marketplace_order_id, Order.marketplace_updated_at).where(
                    Order.connection_id == self.connection_id
                )
            ).all()
        imported = [order_id for order_id, _ in rows]
        assert len(imported) == len(set(imported)), "an order was imported twice"
        return dict(rows)

    def read_up_to(self) -> datetime:
        """The end of the stretch the stream's cursor says is read without a gap."""
        cursor: Cursor = self.importer.cursor_for(self.connection_id)
        with self.environment.database.reading() as session:
            finished = cursor.finished(session)
        return watermark(finished, finished[0].start) if finished else START

    def assert_whole_windows(self) -> None:
        """Every order last changed before the cursor's end is stored as it is now."""
        reached = self.read_up_to()
        stored = self.stored()
        for order_id, updated_at in self.marketplace().items():
            if updated_at < reached:
                assert stored.get(order_id) == updated_at, (
                    f"order {order_id} changed at {updated_at}, before the cursor's end "
                    f"{reached}, is stored at {stored.get(order_id)}"
                )

    def assert_each_order_once(self) -> None:
        expected = set(self.marketplace())
        assert set(self.stored()) == expected
        with self.environment.database.reading() as session:
            bindings = session.scalar(
                select(func.count())
                .select_from(Binding)
                .where(Binding.connection_id == self.connection_id, Binding.kind == "order")
            )
        assert bindings == len(expected)


def a_shop(
    settings_: Settings,
    database: Database,
    policy: WindowPolicy,
    *,
    page_size: int,
    batch_size: int,
) -> Shop:
    connection_id = next(CONNECTIONS)
    clock = ManualClock(START)
    # The manual clock never refills the call budget: small windows make many calls.
    settings_ = settings_.model_copy(update={"octopia_max_calls_per_second": 10_000})
    config = SandboxConfig(
        seed=connection_id, seller_id=700000 + connection_id, orders=0, offers=10
    )
    config.processing_seconds = 0
    sandbox = Sandbox(config, clock=clock)
    for reference in sandbox.offer_quantities():
        sandbox.set_offer_quantity(reference, 10_000)
    with database.session() as session:
        session.add(
            sandbox_connection(
                settings_, sandbox, clock.now(), connection_id=connection_id, name="Shop"
            )
        )

    class SmallOrders(OrdersImporter):
        window_policy = policy

    SmallOrders.page_size = page_size
    SmallOrders.batch_size = batch_size
    transport = ChangingOrders(sandbox, clock)
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings_, clock, transports=lambda: transport, retry=retry)
    environment = JobEnvironment(
        settings_, database, clock, StreamRegistry([SmallOrders]), clients=clients
    )
    return Shop(environment, sandbox, clock, transport, connection_id, SmallOrders())


@pytest.fixture
def one_database(tmp_path: Path, schema_templates: SchemaTemplates) -> Iterator[Database]:
    """One SQLite copy of the migrated schema for every example of a property test."""
    database = Database(schema_templates.sqlite_copy(tmp_path / "windows.sqlite3"))
    yield database
    database.dispose()


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    reading=st.tuples(
        policies(),
        st.integers(min_value=1, max_value=8),  # orders a page
        st.integers(min_value=1, max_value=6),  # orders a transaction
    ),
    pattern=st.lists(steps, min_size=1, max_size=4),
)
def test_given_any_arrivals_and_any_policy_when_the_stream_runs_then_each_order_is_imported_once(
    settings: Settings,
    one_database: Database,
    reading: tuple[WindowPolicy, int, int],
    pattern: list[Step],
) -> None:
    policy, page_size, batch_size = reading
    shop = a_shop(settings, one_database, policy, page_size=page_size, batch_size=batch_size)
    try:
        for step in pattern:
            shop.clock.advance(step.advance)
            shop.sandbox.create_orders(step.arriving)
            if step.run and shop.run(step.changes):
                shop.assert_whole_windows()
        shop.clock.advance(1)
        assert shop.run(), "a run with nothing changing under it failed"
    finally:
        shop.transport.shut()

    shop.assert_whole_windows()
    shop.assert_each_order_once()


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
