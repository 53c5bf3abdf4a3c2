"""Notifications as webhook events, end to end: the streams that raise them (deadline alerts as
the clock moves, the daily indicators) and a real receiver that gets ``deadline.approaching`` and
``indicator.threshold_near``."""

from __future__ import annotations

from datetime import timedelta

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from tests.support.orders import run_until_success, stored
from tests.support.performance import read_indicators
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import deliver, subscribe


def test_given_an_order_to_ship_when_the_clock_nears_its_deadline_then_one_event_per_lead_time(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "deadline.approaching")
    [order_id] = sandbox.create_orders(1, status="InPreparation")
    run_until_success(shop)
    deadline = stored(shop, order_id).shipping_deadline
    assert deadline is not None

    for before in (timedelta(hours=11), timedelta(hours=11), timedelta(hours=1)):
        sandbox_clock.advance(deadline - before - sandbox_clock.now())
        assert shop.runner().run(1, "deadline_alerts").outcome == "succeeded"
        deliver(shop)

    bodies = [item.json() for item in receiver.received]
    assert [body["type"] for body in bodies] == ["deadline.approaching"] * 2
    assert [body["data"]["hours"] for body in bodies] == [12, 2]
    assert {body["data"]["kind"] for body in bodies} == {"shipping_deadline"}
    assert {body["data"]["order"] for body in bodies} == {order_id}
    assert "left to ship it" in bodies[1]["data"]["title"]


def test_given_a_refused_order_when_the_indicators_are_read_then_threshold_events_per_source(
    shop: JobEnvironment, sandbox: Sandbox, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, "indicator.threshold_near")
    sandbox.create_orders(3, status="Accepted")
    sandbox.create_orders(1, status="Refused")

    read_indicators(shop)
    read_indicators(shop)  # the same day again: no second event
    deliver(shop)

    bodies = [item.json() for item in receiver.received]
    assert [body["type"] for body in bodies] == ["indicator.threshold_near"] * 2
    assert {body["data"]["kind"] for body in bodies} == {"performance"}
    assert {body["data"]["link"] for body in bodies} == {"/performance?connection=1"}
    assert all("acceptance rate (75 %)" in body["data"]["title"] for body in bodies)
