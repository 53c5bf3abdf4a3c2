"""The orders service against the sandbox: reading, the whole life of an order, and faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cdlink.core.clock import ManualClock
from cdlink.octopia import (
    BudgetPolicy,
    Conflict,
    MalformedResponse,
    NotFound,
    OctopiaClient,
    OrderQuery,
    RateLimited,
    RetryPolicy,
    TransportError,
)
from cdlink.octopia.models import LineStatus, OrderStatus, Parcel, PartialCancellationLine
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.octopia_sandbox import connect

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def waiting_order(sandbox: Sandbox) -> str:
    return sandbox.create_orders(1, status="WaitingAcceptance")[0]


def parcel_for(client: OctopiaClient) -> Parcel:
    carrier = next(c for c in client.carriers.list() if c.label == "Colissimo")
    return Parcel(
        parcel_number="6A0000000001", carrier_name=carrier.label, tracking_url="https://t.example/1"
    )


def test_given_a_seeded_shop_when_listing_all_changes_then_every_order_comes_once(
    sandbox_client: OctopiaClient,
) -> None:
    orders = list(sandbox_client.orders.list_changed(LONG_AGO, page_size=7))
    ids = [order.order_id for order in orders]
    assert len(ids) == len(set(ids)) == sandbox_client.orders.count() == 20
    for order in orders:
        assert order.lines
        assert all(line.quantity >= 1 for line in order.lines)
        assert order.updated_at.utcoffset() == timedelta(0)  # aware UTC


def test_given_a_status_filter_when_counting_and_listing_then_both_agree(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.create_orders(3, status="WaitingAcceptance")
    query = OrderQuery(statuses=[OrderStatus.WAITING_ACCEPTANCE])
    listed = [o for page in sandbox_client.orders.list_pages(query) for o in page.items]
    assert len(listed) == sandbox_client.orders.count(query) >= 3
    assert {order.status for order in listed} == {OrderStatus.WAITING_ACCEPTANCE}


def test_given_an_updated_at_window_when_listing_then_only_newer_changes_come(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    since = datetime.fromisoformat(sandbox.now().replace("Z", "+00:00")) - timedelta(seconds=1)
    created = sandbox.create_orders(2)
    found = [order.order_id for order in sandbox_client.orders.list_changed(since)]
    assert sorted(found) == sorted(created)


def test_given_an_order_when_accepted_prepared_and_shipped_then_it_ends_shipped_with_its_parcel(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox_client.orders.accept(order_id)
    assert sandbox_client.orders.get(order_id).status is OrderStatus.ACCEPTED
    sandbox.advance(600)
    prepared = sandbox_client.orders.get(order_id)
    assert prepared.status is OrderStatus.IN_PREPARATION
    assert prepared.lines[0].shipping_address is not None
    sandbox_client.orders.ship(order_id, [parcel_for(sandbox_client)])
    shipped = sandbox_client.orders.get(order_id)
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.lines[0].parcels[0].parcel_number == "6A0000000001"


def test_given_an_order_when_accepted_twice_then_conflict_with_a_trace_id(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox_client.orders.accept(order_id)
    with pytest.raises(Conflict) as caught:
        sandbox_client.orders.accept(order_id)
    assert str(caught.value).startswith("[traceId ")
    assert caught.value.trace_id


def test_given_an_order_when_refused_then_it_is_refused(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox_client.orders.refuse(order_id)
    assert sandbox_client.orders.get(order_id).status is OrderStatus.REFUSED


def test_given_cancellation_reasons_when_cancelling_an_order_then_it_is_cancelled(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    reasons = sandbox_client.orders.cancellation_reasons(OrderStatus.WAITING_ACCEPTANCE)
    assert reasons
    assert all(reason.code for reason in reasons)
    order_id = waiting_order(sandbox)
    sandbox_client.orders.cancel(order_id, reasons[0].code or "")
    assert sandbox_client.orders.get(order_id).status is OrderStatus.CANCELLED


def test_given_one_line_when_cancelling_it_then_the_line_is_cancelled(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    reason = sandbox_client.orders.cancellation_reasons()[0].code or ""
    line = sandbox_client.orders.get(order_id).lines[0]
    offer_id = line.offer.id if line.offer else None
    cancel = PartialCancellationLine(line_id=line.order_line_id, offer_id=offer_id, reason=reason)
    sandbox_client.orders.cancel_lines(order_id, [cancel])
    after = sandbox_client.orders.get(order_id).line(line.order_line_id)
    assert after is not None
    assert after.status is LineStatus.CANCELLED


def test_given_an_unknown_order_when_got_then_not_found(sandbox_client: OctopiaClient) -> None:
    with pytest.raises(NotFound):
        sandbox_client.orders.get("0000000000NOPE0")


def test_given_the_tax_commission_variant_when_listing_then_commissions_are_read(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.set_variants(commission_field="amountWithTax")
    orders = list(sandbox_client.orders.list_changed(LONG_AGO))
    commissions = [line.offer_price.commission for order in orders for line in order.lines]
    assert all(c is not None and c.amount_with_vat is not None for c in commissions)


def test_given_a_token_revoked_between_pages_when_listing_then_every_order_still_comes(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    pages = sandbox_client.orders.list_pages(OrderQuery(updated_at_min=LONG_AGO), page_size=5)
    seen = [order.order_id for order in next(pages).items]
    sandbox.revoke_tokens()
    seen += [order.order_id for page in pages for order in page.items]
    assert len(seen) == len(set(seen)) == 20


@pytest.mark.parametrize("retry_after", [None, 1])
def test_given_a_burst_of_429_when_listing_then_the_client_retries_through_it(
    sandbox: Sandbox, sandbox_client: OctopiaClient, retry_after: int | None
) -> None:
    sandbox.add_fault(
        {
            "kind": "status",
            "status": 429,
            "endpoint": "orders.list",
            "count": 2,
            "retry_after": retry_after,
        }
    )
    assert len(list(sandbox_client.orders.list_changed(LONG_AGO))) == 20


def test_given_a_5xx_burst_longer_than_the_retries_when_listing_then_server_error_goes_up(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault({"kind": "status", "status": 503, "endpoint": "orders.count", "count": 10})
    with pytest.raises(Exception, match="503"):
        sandbox_client.orders.count()


def test_given_a_connection_dropped_before_a_shipment_when_shipping_then_it_is_sent_again(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox_client.orders.accept(order_id)
    sandbox.advance(600)
    sandbox.add_fault({"kind": "drop_before", "endpoint": "orders.shipments", "count": 1})
    sandbox_client.orders.ship(order_id, [parcel_for(sandbox_client)])
    assert sandbox_client.orders.get(order_id).status is OrderStatus.SHIPPED


def test_given_a_connection_dropped_after_a_shipment_when_shipping_then_not_sent_twice(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox_client.orders.accept(order_id)
    sandbox.advance(600)
    sandbox.add_fault({"kind": "drop_after", "endpoint": "orders.shipments", "count": 1})
    with pytest.raises(TransportError) as caught:
        sandbox_client.orders.ship(order_id, [parcel_for(sandbox_client)])
    assert caught.value.request_sent is True
    shipments = [r for r in sandbox.requests() if r["endpoint"] == "orders.shipments"]
    assert len(shipments) == 1
    assert sandbox_client.orders.get(order_id).status is OrderStatus.SHIPPED


def test_given_an_unknown_enum_in_a_page_when_listing_then_the_raw_value_is_kept(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault(
        {"kind": "malformed", "malformation": "unknown_enum", "endpoint": "orders.list", "count": 1}
    )
    pages = list(sandbox_client.orders.list_pages(OrderQuery(updated_at_min=LONG_AGO)))
    statuses = [order.status for page in pages for order in page.items]
    assert "SandboxUnknownValue" in statuses
    assert sum(page.received for page in pages) == 20


def test_given_an_order_missing_its_id_when_listing_pages_then_it_is_set_aside(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault(
        {
            "kind": "malformed",
            "malformation": "missing_field",
            "endpoint": "orders.list",
            "count": 1,
        }
    )
    pages = list(sandbox_client.orders.list_pages(OrderQuery(updated_at_min=LONG_AGO)))
    rejected = [item for page in pages for item in page.rejected]
    assert len(rejected) == 1
    assert sum(len(page.items) for page in pages) == 19


def test_given_a_truncated_body_when_reading_an_order_then_malformed_response(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = waiting_order(sandbox)
    sandbox.add_fault(
        {"kind": "malformed", "malformation": "invalid_json", "endpoint": "orders.get", "count": 1}
    )
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        sandbox_client.orders.get(order_id)


def test_given_a_seller_rate_limit_when_reading_fast_then_the_budget_learns_and_calls_succeed() -> (
    None
):
    # One clock for both sides: the client's waits move the sandbox's time too.
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    sandbox = Sandbox(SandboxConfig(seed=1), clock=clock)
    sandbox.set_rate_limit({"requests": 5, "per_seconds": 1, "retry_after": False})
    retry = RetryPolicy(sleep=clock.advance)
    with connect(sandbox, retry=retry, budget_policy=BudgetPolicy(), clock=clock) as client:
        counts = [client.orders.count() for _ in range(40)]
        state = client.budget.state(str(sandbox.credentials.seller_id), "orders")
    assert counts == [20] * 40
    assert any(r["status"] == 429 for r in sandbox.requests())
    assert state is not None
    assert state.rate < BudgetPolicy().max_rate


def test_given_a_rate_limit_retry_after_beyond_the_cap_when_reading_then_rate_limited(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault(
        {"kind": "status", "status": 429, "endpoint": "orders.count", "retry_after": 3600}
    )
    with pytest.raises(RateLimited) as caught:
        sandbox_client.orders.count()
    assert caught.value.retry_after == 3600


def test_given_a_large_generated_shop_when_reading_every_order_then_none_is_rejected() -> None:
    sandbox = Sandbox(SandboxConfig(seed=7, orders=400, offers=200))
    with connect(sandbox) as client:
        pages = list(client.orders.list_pages(OrderQuery(updated_at_min=LONG_AGO)))
    orders = [order for page in pages for order in page.items]
    assert [item.reason for page in pages for item in page.rejected] == []
    assert len(orders) == 400
    assert all(isinstance(order.status, OrderStatus) for order in orders)
    lines = [line for order in orders for line in order.lines]
    assert all(line.status is None or isinstance(line.status, LineStatus) for line in lines)


def test_given_a_wrong_type_in_a_page_when_listing_pages_then_nothing_crashes_and_all_count(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.add_fault(
        {"kind": "malformed", "malformation": "wrong_type", "endpoint": "orders.list", "count": 1}
    )
    pages = list(sandbox_client.orders.list_pages(OrderQuery(updated_at_min=LONG_AGO)))
    assert sum(len(page.items) + len(page.rejected) for page in pages) == 20
