"""Webhook deliveries against a real HTTP receiver: signed as the Standard Webhooks
specification says (verified as a receiver would), exactly once per event and subscription,
retried with a doubling wait on the shop's clock, paused after days of failures, replayed by hand,
and written in the same transaction as the change they report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.hub.orders.notifications import notify
from cdlink.hub.webhooks import deliveries
from cdlink.hub.webhooks.events import emit
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import Notification, WebhookEvent, WebhookSubscription
from cdlink.sync.engine.connections import pause_for_reauthentication
from tests.support.webhook_receiver import Receiver, verify
from tests.support.webhooks import attempts, deliver, delivery_states, subscribe


def test_given_a_subscription_when_orders_are_imported_then_each_arrives_signed_once(
    shop: JobEnvironment, sandbox: Sandbox, receiver: Receiver
) -> None:
    _, secret = subscribe(shop, receiver.url, "order.created")
    sandbox.create_orders(3)
    assert shop.runner().run(1, "orders").outcome == "succeeded"

    first, second = deliver(shop), deliver(shop)

    assert first["webhooks_delivered"] == 3
    assert second == {}
    assert len(receiver.received) == 3
    assert all(verify(secret, item) for item in receiver.received)
    bodies = [item.json() for item in receiver.received]
    assert {body["type"] for body in bodies} == {"order.created"}
    assert [body["id"] for body in bodies] == [
        item.headers["webhook-id"] for item in receiver.received
    ]
    assert len({body["data"]["marketplace_order_id"] for body in bodies}) == 3
    assert delivery_states(shop) == [("succeeded", 1)] * 3


def test_given_a_tampered_body_when_verified_then_the_signature_fails(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscription_id, secret = subscribe(shop, receiver.url, "price.held")
    with shop.database.session() as session:
        emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())
    deliver(shop)
    [received] = receiver.received
    received.body = received.body.replace(b'"A"', b'"B"')

    assert not verify(secret, received)
    assert subscription_id == 1


def test_given_a_failing_receiver_when_retried_then_waits_double_on_the_clock(
    shop: JobEnvironment, sandbox_clock: ManualClock, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "price.held")
    receiver.statuses = [500, 503]
    with shop.database.session() as session:
        emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())

    deliver(shop)  # 500
    deliver(shop)  # not due yet
    sandbox_clock.advance(timedelta(seconds=30))
    deliver(shop)  # 503
    sandbox_clock.advance(timedelta(seconds=59))
    deliver(shop)  # not due yet
    sandbox_clock.advance(timedelta(seconds=1))
    deliver(shop)  # 200

    logged = attempts(shop)
    assert [attempt.status for attempt in logged] == [500, 503, 200]
    assert logged[0].excerpt == "receiver is down"
    assert [attempt.succeeded for attempt in logged] == [False, False, True]
    assert all(attempt.duration_ms >= 0 for attempt in logged)
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 1
    assert delivery_states(shop) == [("succeeded", 3)]


def test_given_the_backoff_when_computed_then_it_doubles_up_to_six_hours() -> None:
    waits = [deliveries.backoff(attempt) for attempt in range(1, 14)]

    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(hours=6)
    assert waits == sorted(waits)


def test_given_a_receiver_down_for_three_days_when_retried_then_failed_and_paused_with_a_notice(
    shop: JobEnvironment, sandbox_clock: ManualClock, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "price.held")
    receiver.statuses = [500] * 100
    with shop.database.session() as session:
        emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())

    for _ in range(40):
        deliver(shop)
        sandbox_clock.advance(timedelta(hours=6))

    with shop.database.reading() as session:
        subscription = session.get_one(WebhookSubscription, 1)
        notices = list(
            session.scalars(select(Notification).where(Notification.kind == "webhook_paused"))
        )
    [(state, tries)] = delivery_states(shop)
    assert state == "failed"
    assert 10 < tries < 40
    assert subscription.state == "paused"
    assert subscription.paused_reason == "every delivery failed for 3 days"
    assert [notice.link for notice in notices] == ["/settings/webhooks/1"]


def test_given_a_delivered_event_when_replayed_then_the_same_id_arrives_again(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "price.held")
    with shop.database.session() as session:
        emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())
    deliver(shop)

    with shop.database.session() as session:
        deliveries.replay(session, 1, 1, shop.clock.now())
    deliver(shop)

    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    assert [attempt.manual for attempt in attempts(shop)] == [False, True]


def test_given_a_change_rolled_back_when_it_emitted_then_no_event_is_left(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "price.held")

    def change_that_fails() -> None:
        with shop.database.session() as session:
            emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    with shop.database.reading() as session:
        assert session.scalar(select(func.count(WebhookEvent.id))) == 0
    assert delivery_states(shop) == []


def test_given_no_subscriber_when_an_event_happens_then_nothing_is_recorded(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "order.created")

    with shop.database.session() as session:
        made = emit(session, "price.held", {"sku": "A"}, connection_id=1, now=shop.clock.now())

    assert made == 0
    assert delivery_states(shop) == []


def test_given_a_deadline_notification_when_raised_then_a_deadline_event_is_delivered(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "deadline.approaching", "connection.reauth_required")

    with shop.database.session() as session:
        notify(
            session,
            connection_id=1,
            kind="shipping_deadline",
            key="order:1:shipping_deadline:2h",
            title="Order X: less than 2 h left to ship it",
            link="/orders/1",
            details={"order": "X", "hours": 2, "deadline": "2026-03-02T12:00:00+00:00"},
            now=shop.clock.now(),
        )
    deliver(shop)

    [received] = receiver.received
    body = received.json()
    assert body["type"] == "deadline.approaching"
    assert body["data"]["hours"] == 2
    assert body["data"]["kind"] == "shipping_deadline"


def test_given_rejected_credentials_when_the_connection_is_paused_then_an_event_is_recorded(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "connection.reauth_required")

    with shop.database.session() as session:
        pause_for_reauthentication(session, 1, "invalid_client", shop.clock.now())
        pause_for_reauthentication(session, 1, "invalid_client", shop.clock.now())

    with shop.database.reading() as session:
        events = list(session.scalars(select(WebhookEvent)))
    assert [(event.type, event.data["reason"]) for event in events] == [
        ("connection.reauth_required", "invalid_client")
    ]
