"""The orders stream against the in-process sandbox: exactly once, statuses, faults, quarantine."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import MarketplaceClients
from cdlink.octopia.models.orders import Parcel
from cdlink.sandbox import Sandbox
from cdlink.store.models import Order, QuarantinedRecord
from cdlink.sync.engine import quarantine
from tests.support.orders import (
    assert_exactly_once,
    local_order_ids,
    marketplace_orders,
    run_until_success,
    seller_client,
    stored,
)


@pytest.mark.slow
def test_given_a_seeded_shop_when_the_stream_runs_twice_then_every_order_is_imported_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    first = shop.runner().run(1, "orders")
    sandbox.create_orders(3)
    sandbox_clock.advance(60)
    second = shop.runner().run(1, "orders")

    assert (first.outcome, second.outcome) == ("succeeded", "succeeded"), second.message
    assert first.counts["created"] == 25
    assert second.counts["created"] == 3
    assert_exactly_once(shop, sandbox)


@pytest.mark.slow
def test_given_an_imported_order_then_amounts_lines_and_fees_match_the_marketplace(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    run_until_success(shop)

    order = stored(shop, order_id)
    raw = sandbox.order(order_id)
    assert order.status == "InPreparation"
    assert order.currency == "EUR"
    assert order.total_amount == Decimal(str(raw["totalPrice"]["sellingPrice"]))
    fees = sum((Decimal(str(fee["amount"])) for fee in raw["serviceFees"]), Decimal(0))
    assert order.service_fees_amount == fees
    assert order.total_amount == sum(line.total_amount for line in order.lines) + fees
    assert order.payment_method == raw["payment"]["method"]
    assert order.shipping_address is not None
    assert order.shipping_deadline is not None
    assert order.acceptance_deadline is not None
    for line in order.lines:
        assert line.commission_amount is not None
        assert line.commission_amount > 0
        assert line.taxes
        assert line.supply_mode
        assert line.seller_sku


def history(order: Order) -> list[str]:
    return [event.status for event in order.events if event.line_id is None]


@pytest.mark.slow
def test_given_an_order_through_its_whole_life_then_each_status_is_imported_in_order(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    assert stored(shop, order_id).shipping_address is None
    with seller_client(shop) as client:
        client.orders.accept(order_id)
        run_until_success(shop)
        sandbox_clock.advance(301)  # preparation_seconds: the order goes InPreparation
        run_until_success(shop)
        assert stored(shop, order_id).shipping_address is not None  # late data merged
        client.orders.ship(order_id, [Parcel(parcel_number="P1", carrier_name="Colissimo")])
        run_until_success(shop)
    sandbox_clock.advance(5 * 86400)  # past delivery_seconds_max
    run_until_success(shop)

    order = stored(shop, order_id)
    assert history(order) == [
        "WaitingAcceptance",
        "Accepted",
        "InPreparation",
        "Shipped",
        "Delivered",
    ]
    assert order.shipping_address is not None
    assert_exactly_once(shop, sandbox)


@pytest.mark.slow
def test_given_a_refused_order_then_refused_is_imported(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    with seller_client(shop) as client:
        client.orders.refuse(order_id)
    sandbox_clock.advance(1)
    run_until_success(shop)

    assert history(stored(shop, order_id)) == ["WaitingAcceptance", "Refused"]


@pytest.mark.slow
def test_given_an_order_never_accepted_then_the_marketplace_cancellation_is_imported(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    sandbox_clock.advance(3 * 86400)  # past acceptance_timeout_seconds
    run_until_success(shop)

    assert history(stored(shop, order_id)) == ["WaitingAcceptance", "Cancelled"]


@pytest.mark.slow
def test_given_a_customer_cancel_request_then_the_line_status_is_imported(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    line_id = stored(shop, order_id).lines[0].line_id
    sandbox.customer_cancel_request(order_id, line_id)
    sandbox_clock.advance(1)
    run_until_success(shop)

    order = stored(shop, order_id)
    assert order.lines[0].status == "CancelRequest"
    assert any(
        event.line_id == line_id and event.status == "CancelRequest" for event in order.events
    )


@pytest.mark.parametrize(
    "faults",
    [
        [{"kind": "status", "status": 429, "endpoint": "orders.list", "count": 6}],
        [{"kind": "status", "status": 503, "endpoint": "orders.list", "after": 1, "count": 9}],
        [
            {"kind": "status", "status": 502, "endpoint": "orders.list", "probability": 0.4},
            {"kind": "drop_before", "endpoint": "orders.list", "probability": 0.1},
        ],
    ],
    ids=["429-burst", "5xx-burst", "random-5xx-and-drops"],
)
@pytest.mark.slow
def test_given_faults_while_paging_when_the_stream_retries_then_every_order_is_imported_once(
    shop: JobEnvironment,
    sandbox: Sandbox,
    sandbox_clock: ManualClock,
    faults: list[dict[str, object]],
) -> None:
    sandbox.create_orders(230)  # three pages of new orders in one window
    for fault in faults:
        sandbox.add_fault(fault)
    run_until_success(shop, attempts=30)
    sandbox.clear_faults()
    sandbox_clock.advance(60)
    run_until_success(shop)

    assert_exactly_once(shop, sandbox)


class ExpiringTokens(httpx.BaseTransport):
    """The sandbox, whose tokens all expire right after the first page of orders is served."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.inner = sandbox.transport()
        self.pages = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/orders") and response.status_code == 200:
            self.pages += 1
            if self.pages == 1:
                self.sandbox.revoke_tokens()
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.mark.slow
def test_given_the_token_expiring_during_pagination_then_every_order_is_imported_once(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    sandbox.create_orders(230)
    transports: list[ExpiringTokens] = []

    def expiring() -> ExpiringTokens:
        transports.append(ExpiringTokens(sandbox))
        return transports[-1]

    assert isinstance(shop.clients, MarketplaceClients)
    shop.clients.transports = expiring
    run_until_success(shop)

    assert transports[0].pages >= 3  # the token expired with pages still to read
    assert_exactly_once(shop, sandbox)


def test_given_a_malformed_order_in_a_page_then_it_is_quarantined_and_the_others_import(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    run_until_success(shop)
    sandbox.create_orders(5)
    sandbox_clock.advance(60)
    sandbox.add_fault(
        {
            "kind": "malformed",
            "malformation": "missing_field",
            "endpoint": "orders.list",
            "count": 1,
        }
    )
    report = shop.runner().run(1, "orders")

    assert report.outcome == "succeeded", report.message
    assert report.counts["rejected"] == 1
    with shop.database.reading() as session:
        [entry] = session.scalars(select(QuarantinedRecord)).all()
    assert entry.stream == "orders"
    assert "orderId" in entry.reason
    assert isinstance(entry.raw, dict)
    assert entry.raw["lines"]
    expected = marketplace_orders(sandbox)
    [rejected] = [
        order_id
        for order_id in expected
        if sandbox.order(order_id)["reference"] == entry.raw["reference"]
    ]
    assert set(local_order_ids(shop.database)) | {rejected} == set(expected)

    sandbox_clock.advance(60)  # the fault is gone: the look-back reads the order again
    run_until_success(shop)

    assert_exactly_once(shop, sandbox)
    with shop.database.reading() as session:
        # Kept under a key made from its payload (it had no id), cleared by the good version
        # of the order its payload names.
        assert entry.external_id.startswith("raw:")
        assert session.get_one(QuarantinedRecord, entry.id).resolved_at is not None
        assert quarantine.open_entries(session, 1) == []


def test_given_a_dismissed_entry_when_the_same_broken_record_is_read_again_then_it_stays_dismissed(
    shop: JobEnvironment, sandbox_clock: ManualClock
) -> None:
    now = sandbox_clock.now()
    raw = {"lines": [], "reference": "nothing-imports-this"}
    with shop.database.session() as session:
        quarantine.keep(
            session,
            connection_id=1,
            stream="orders",
            external_id="raw:1",
            reason="r",
            raw=raw,
            now=now,
        )
    with shop.database.session() as session:
        [entry] = quarantine.open_entries(session, 1)
        quarantine.dismiss(session, entry.id, now)
    with shop.database.session() as session:
        news = quarantine.keep(
            session,
            connection_id=1,
            stream="orders",
            external_id="raw:1",
            reason="r",
            raw=raw,
            now=now,
        )
        assert news is False
        assert quarantine.open_entries(session, 1) == []
    with shop.database.session() as session:
        news = quarantine.keep(
            session,
            connection_id=1,
            stream="orders",
            external_id="raw:1",
            reason="new",
            raw=raw,
            now=now,
        )
        assert news is True  # broken another way: news again
        assert len(quarantine.open_entries(session, 1)) == 1
