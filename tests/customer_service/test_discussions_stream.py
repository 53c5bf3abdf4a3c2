"""The discussions stream against the in-process sandbox: exactly once, under faults, linked to
cdlink's own orders, one call when idle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.customer_service.actions import linked_order
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import MarketplaceClients
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import Discussion, Order
from tests.support.customer_service import (
    assert_exactly_once,
    import_all,
    marketplace_messages,
    run_until_success,
    stored_discussion,
)
from tests.support.lagging_clocks import LaggingClocks
from tests.support.sandbox_app import sandbox_environment

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _busy(sandbox: Sandbox, clock: ManualClock, discussions: list[str], rounds: int = 2) -> None:
    """Several customer messages in each discussion, more than one between two runs."""
    for _ in range(rounds):
        for discussion_id in discussions:
            clock.advance(1)
            sandbox.customer_message(discussion_id)


def test_given_a_seeded_shop_when_the_stream_runs_then_every_discussion_and_message_is_kept_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_all(shop)
    expected = marketplace_messages(shop, sandbox)
    assert expected
    _busy(sandbox, sandbox_clock, list(expected))
    sandbox_clock.advance(30)
    run_until_success(shop, "discussions")
    sandbox_clock.advance(30)
    run_until_success(shop, "discussions")

    assert_exactly_once(shop, sandbox)


def test_given_an_imported_discussion_then_it_is_linked_to_its_order_and_products(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    discussion_id = next(iter(marketplace_messages(shop, sandbox)))
    discussion = stored_discussion(shop, discussion_id)

    with shop.database.reading() as session:
        order = linked_order(session, session.merge(discussion))
        assert isinstance(order, Order)
        assert order.marketplace_order_id == sandbox.discussion(discussion_id)["orderSellerId"]
        assert order.lines
        assert all(line.seller_sku for line in order.lines)


def test_given_nothing_changed_when_the_stream_runs_then_it_makes_one_marketplace_call(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_all(shop)
    sandbox_clock.advance(30)
    run_until_success(shop, "discussions")  # the token is cached from here on
    before = len(sandbox.requests())
    sandbox_clock.advance(30)
    run_until_success(shop, "discussions")

    calls = sandbox.requests()[before:]
    assert [call["endpoint"] for call in calls] == ["discussions.list"], calls


def test_given_discussions_read_again_unchanged_when_the_stream_runs_then_none_is_written(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_all(shop)
    discussion_id = next(iter(marketplace_messages(shop, sandbox)))
    sandbox_clock.advance(1)
    sandbox.customer_message(discussion_id)
    reports = []
    for _ in range(3):  # the new message read whole, then as listed, then unchanged
        sandbox_clock.advance(5)
        reports.append(shop.runner().run(1, "discussions"))

    assert reports[0].counts.get("updated", 0) >= 1, reports[0].counts
    steady = reports[-1].counts
    assert steady.get("unchanged", 0) >= 1, steady
    assert "updated" not in steady, steady
    assert "created" not in steady, steady
    assert_exactly_once(shop, sandbox)


@pytest.mark.parametrize(
    "faults",
    [
        [{"kind": "status", "status": 429, "endpoint": "discussions.list", "count": 4}],
        [{"kind": "status", "status": 503, "endpoint": "discussions.get", "after": 1, "count": 6}],
        [
            {"kind": "status", "status": 502, "endpoint": "discussions.get", "probability": 0.4},
            {"kind": "drop_before", "endpoint": "discussions.list", "probability": 0.2},
        ],
    ],
    ids=["429-burst", "5xx-burst", "random-5xx-and-drops"],
)
def test_given_faults_when_the_stream_retries_then_no_message_is_lost_or_doubled(
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    faults: list[dict[str, object]],
) -> None:
    import_all(shop)
    _busy(sandbox, sandbox_clock, list(marketplace_messages(shop, sandbox)))
    sandbox_clock.advance(30)
    for fault in faults:
        sandbox.add_fault(fault)
    run_until_success(shop, "discussions", attempts=30)
    sandbox.clear_faults()
    sandbox_clock.advance(30)
    run_until_success(shop, "discussions")

    assert_exactly_once(shop, sandbox)


class ExpiringTokens(httpx.BaseTransport):
    """The sandbox, whose tokens all expire right after the first discussion is read whole."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.inner = sandbox.transport()
        self.reads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "/discussions/" in request.url.path and response.status_code == 200:
            self.reads += 1
            if self.reads == 1:
                self.sandbox.revoke_tokens()
        return response

    def close(self) -> None:
        self.inner.close()


def test_given_the_token_expiring_while_threads_are_read_then_no_message_is_lost_or_doubled(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    run_until_success(shop, "orders")
    transports: list[ExpiringTokens] = []

    def expiring() -> ExpiringTokens:
        transports.append(ExpiringTokens(sandbox))
        return transports[-1]

    assert isinstance(shop.clients, MarketplaceClients)
    shop.clients.transports = expiring
    run_until_success(shop, "discussions")

    assert transports[0].reads >= 2  # the token expired with threads still to read
    assert_exactly_once(shop, sandbox)


def test_given_a_run_killed_before_its_commit_when_run_again_then_every_message_is_kept_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    import_all(shop)
    _busy(sandbox, sandbox_clock, list(marketplace_messages(shop, sandbox)))
    sandbox_clock.advance(30)
    # The run dies in the middle of the window, two threads read and the others not.
    sandbox.add_fault(
        {"kind": "status", "status": 503, "endpoint": "discussions.get", "after": 2, "count": 50}
    )
    report = shop.runner().run(1, "discussions")
    assert report.outcome != "succeeded"
    sandbox.clear_faults()
    sandbox_clock.advance(61)
    run_until_success(shop, "discussions")

    assert_exactly_once(shop, sandbox)


@pytest.mark.parametrize(
    ("late", "read_by_the_next_run"),
    [(timedelta(seconds=30), True), (timedelta(minutes=5), False)],
)
def test_given_a_discussion_that_shows_late_when_the_stream_runs_then_it_is_read_within_a_minute(
    settings: Settings, database: Database, late: timedelta, read_by_the_next_run: bool
) -> None:
    """Most runs read only the last minute again, the whole look-back once a minute: a
    discussion listed with an ``updatedAt`` further back than that minute (the marketplace's clock
    set behind cdlink's by ``late``) is read by the whole look-back within the minute."""
    clocks = LaggingClocks.behind(START, late)
    config = SandboxConfig(seed=7, orders=3, processing_seconds=0, discussions=0)
    sandbox = Sandbox(config, clock=clocks.marketplace)
    shop = sandbox_environment(settings, database, sandbox, clocks.cdlink)

    def stored_after(seconds: float) -> set[str]:
        clocks.run_after(shop, "discussions", seconds)
        with shop.database.reading() as session:
            return set(session.scalars(select(Discussion.marketplace_discussion_id)))

    stored_after(0)  # the first run reads the whole look-back, and records it
    discussion_id = sandbox.open_discussion(next(iter(sandbox.order_statuses())))
    assert (discussion_id in stored_after(10)) is read_by_the_next_run
    assert (discussion_id in stored_after(40)) is read_by_the_next_run  # only the overlap again

    assert stored_after(20) == {discussion_id}  # a minute after the whole read
