"""Commercial gestures, refunds and returns against the sandbox: the rules on both sides, the
variants of the addendum's conflicts, and faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdlink.octopia import Conflict, OctopiaClient, RateLimited, ReturnQuery, RuleViolation
from cdlink.octopia.models import (
    AvailableAmount,
    GestureReason,
    OrderStatus,
    ReturnLine,
    ReturnStatus,
)
from cdlink.sandbox import Sandbox
from tests.support.octopia_sandbox import connect


def requests_to(sandbox: Sandbox, endpoint: str) -> int:
    return sum(1 for request in sandbox.requests() if request["endpoint"] == endpoint)


def paid(client: OctopiaClient, order_id: str) -> Decimal:
    order = client.orders.get(order_id)
    return sum(
        (
            line.selling_price.unit_sales_price * line.quantity
            + (line.selling_price.shipping_cost or Decimal(0))
            for line in order.lines
        ),
        Decimal(0),
    )


def test_given_a_delivered_order_when_reading_the_available_amount_then_it_is_what_was_paid(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    delivered = sandbox.create_orders(1, status="Delivered")[0]
    preparing = sandbox.create_orders(1, status="InPreparation")[0]

    available = sandbox_client.commercial_gestures.available_amount(delivered)

    assert available.allowable_amount == paid(sandbox_client, delivered)
    assert available.currency_code == "EUR"
    assert sandbox_client.commercial_gestures.available_amount(preparing).allowable_amount == 0


@pytest.mark.parametrize("id_field", ["requestId", "cancellationRequestId"])
def test_given_a_gesture_within_the_amount_when_requested_then_it_is_created_and_listed(
    sandbox: Sandbox, id_field: str
) -> None:
    sandbox.set_variants(gesture_id_field=id_field)
    order_id = sandbox.create_orders(1, status="Shipped")[0]
    with connect(sandbox) as client:
        before = client.commercial_gestures.available_amount(order_id).allowable_amount
        gesture = client.commercial_gestures.request(
            order_id, GestureReason.LATE_DELIVERY, Decimal("5.00")
        )
        listed = list(client.commercial_gestures.list(order_id=order_id))
        after = client.commercial_gestures.available_amount(order_id).allowable_amount
        sandbox.advance(3600)
        processed = list(client.commercial_gestures.list(order_id=order_id))

    assert gesture.request_id
    assert gesture.amount == Decimal("5.00")
    assert [g.request_id for g in listed] == [gesture.request_id]
    assert after == before - Decimal("5.00")
    assert (gesture.status, processed[0].status) == ("Pending", "Accepted")


@pytest.mark.parametrize(
    "case",
    [
        ("Delivered", GestureReason.OTHER, Decimal("2"), None, "gesture_reason_details"),
        ("Delivered", GestureReason.MISSING_PRODUCT, Decimal("0"), None, "gesture_amount"),
        ("Delivered", GestureReason.MISSING_PRODUCT, Decimal("1.001"), None, "gesture_amount"),
        ("Delivered", GestureReason.MISSING_PRODUCT, Decimal("100000"), None, "gesture_amount"),
        ("InPreparation", GestureReason.MISSING_PRODUCT, Decimal("2"), None, "order_status"),
    ],
)
def test_given_a_gesture_breaking_a_rule_when_requested_then_refused_before_sending(
    sandbox: Sandbox,
    sandbox_client: OctopiaClient,
    case: tuple[str, GestureReason, Decimal, str | None, str],
) -> None:
    status, reason, amount, details, rule = case
    order_id = sandbox.create_orders(1, status=status)[0]

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.commercial_gestures.request(order_id, reason, amount, reason_details=details)

    assert (raised.value.rule, raised.value.sent) == (rule, False)
    assert requests_to(sandbox, "gestures.create") == 0


def test_given_a_stale_available_amount_when_requesting_too_much_then_the_marketplace_refuses(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    stale = AvailableAmount(allowable_amount=Decimal("100000"))

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.commercial_gestures.request(
            order_id, GestureReason.OTHER, Decimal("9999"), reason_details="Geste", available=stale
        )

    assert (raised.value.rule, raised.value.sent, raised.value.status) == (
        "gesture_amount",
        True,
        422,
    )


def test_given_a_delivered_order_when_refunded_then_it_is_cancelled_with_the_refund_recorded(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    reasons = sandbox_client.orders.cancellation_reasons(OrderStatus.DELIVERED)

    answer = sandbox_client.orders.refund(
        order_id, reasons[0].code or "", shipping_cost_refund=False
    )

    assert answer["shippingCostRefund"] is False
    refunded = sandbox_client.orders.get(order_id)
    assert refunded.status is OrderStatus.CANCELLED
    assert refunded.cancellation_details
    assert refunded.cancellation_details["refunded"] is True


def test_given_an_order_not_accepted_when_refunded_then_refused_before_sending(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="WaitingAcceptance")[0]

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.orders.refund(order_id, "CustomerRequest")

    assert raised.value.rule == "order_status"
    assert requests_to(sandbox, "cancellations.create") == 0


def test_given_v2_cancellations_for_octopia_orders_only_when_refunding_then_a_typed_error(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.set_variants(cancellation_scope="octopia_only")
    order_id = sandbox.create_orders(1, status="Delivered")[0]

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.orders.refund(order_id, "CustomerReturn")

    assert (raised.value.rule, raised.value.sent) == ("cancellation_unavailable", True)
    assert "REST V1" in str(raised.value)
    assert sandbox_client.orders.get(order_id).status is OrderStatus.DELIVERED


def test_given_cancellations_before_shipment_only_when_refunding_a_shipped_order_then_conflict(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    sandbox.set_variants(cancellation_scope="before_shipment")
    shipped = sandbox.create_orders(1, status="Shipped")[0]
    accepted = sandbox.create_orders(1, status="Accepted")[0]

    with pytest.raises(Conflict):
        sandbox_client.orders.refund(shipped, "CustomerReturn")
    sandbox_client.orders.refund(accepted, "CustomerRequest")

    assert sandbox_client.orders.get(shipped).status is OrderStatus.SHIPPED
    assert sandbox_client.orders.get(accepted).status is OrderStatus.CANCELLED


def test_given_a_fulfilment_order_when_a_return_is_declared_then_it_moves_to_completed(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered", supply_mode="Fulfillment")[0]
    order = sandbox_client.orders.get(order_id)
    sku = order.lines[0].offer.seller_product_id if order.lines[0].offer else None

    created = sandbox_client.returns.create(
        order_id, "Retraction", lines=[ReturnLine(seller_product_id=sku, quantity=1)], order=order
    )
    label = sandbox_client.returns.label(created.return_id)
    sandbox.advance(5 * 86400)
    done = sandbox_client.returns.get(created.return_id)
    listed = [r.return_id for p in sandbox_client.returns.list_pages() for r in p.items]

    assert created.status is ReturnStatus.CREATED
    assert created.label_available
    assert label.startswith(b"%PDF")
    assert done.status is ReturnStatus.COMPLETED
    assert done.receipt_date is not None
    assert listed == [created.return_id]
    assert sandbox_client.returns.count(ReturnQuery(status=ReturnStatus.COMPLETED)) == 1


def test_given_a_self_shipped_order_when_a_return_is_declared_then_refused_on_both_sides(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    order = sandbox_client.orders.get(order_id)

    with pytest.raises(RuleViolation) as before_sending:
        sandbox_client.returns.create(order_id, "Retraction", order=order)
    with pytest.raises(RuleViolation) as from_marketplace:
        sandbox_client.returns.create(order_id, "Retraction")

    assert (before_sending.value.rule, before_sending.value.sent) == (
        "returns_fulfilment_only",
        False,
    )
    assert (from_marketplace.value.rule, from_marketplace.value.sent) == (
        "returns_fulfilment_only",
        True,
    )


def test_given_throttling_on_gestures_when_reading_then_retried_and_a_long_wait_is_raised(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    sandbox.add_fault(
        {"kind": "status", "endpoint": "gestures.available", "status": 429, "count": 2}
    )

    available = sandbox_client.commercial_gestures.available_amount(order_id)
    sandbox.add_fault(
        {"kind": "status", "endpoint": "gestures.list", "status": 429, "retry_after": 3600}
    )

    assert available.allowable_amount > 0
    with pytest.raises(RateLimited):
        list(sandbox_client.commercial_gestures.list())
