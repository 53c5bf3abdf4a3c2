"""The ``webhooks`` stream in its runtimes: the embedded runtime delivers an event as soon as its
transaction commits (not at the scheduler's next tick), a shutdown during a backlog ends the run
after the POSTs in flight with nothing lost or sent twice, and a test event reaches its receiver
when no connection is active to run the stream."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.hub.webhooks.events import emit
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import Connection, StreamSchedule, SyncRun, WebhookDelivery
from cdlink.sync.engine.streams import StreamRegistry
from cdlink.sync.webhooks.stream import WebhookDeliveries
from tests.support.web import csrf_token
from tests.support.webhook_receiver import Received, Receiver, verify
from tests.support.webhooks import attempts, delivery_states, subscribe

EVENT = "stock.pushed"


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.02)


def emit_events(shop: JobEnvironment, count: int) -> None:
    with shop.database.session() as session:
        for index in range(count):
            data = {"sku": f"SKU-{index:03}", "quantity": index}
            emit(session, EVENT, data, connection_id=1, now=shop.clock.now())


def test_given_a_slow_tick_when_an_event_commits_then_the_embedded_runtime_delivers_it_at_once(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    # A tick of a minute: only the wake after the commit can start the run within the wait.
    shop.settings = shop.settings.model_copy(update={"sync_tick_seconds": 60.0})
    shop.registry = StreamRegistry([WebhookDeliveries])
    subscribe(shop, receiver.url, EVENT)
    runtime = EmbeddedRuntime(shop)
    runtime.start()
    try:
        wait_for(lambda: _first_runs_done(shop))
        emit_events(shop, 1)
        wait_for(lambda: len(receiver.received) == 1)
    finally:
        runtime.stop()

    assert delivery_states(shop) == [("succeeded", 1)]


def _first_runs_done(shop: JobEnvironment) -> bool:
    """The start's tick ran the stream (finding nothing) and the runtime waits for the next."""
    with shop.database.reading() as session:
        finished = session.scalar(select(func.count()).where(SyncRun.finished_at.is_not(None)))
        waiting = session.scalar(
            select(func.count()).where(
                StreamSchedule.queued_at.is_not(None) | StreamSchedule.requested_at.is_not(None)
            )
        )
        return bool(finished) and waiting == 0


def test_given_a_backlog_when_the_shutdown_comes_then_the_run_stops_and_nothing_is_lost_or_doubled(
    shop: JobEnvironment, receiver: Receiver
) -> None:
    subscribe(shop, receiver.url, EVENT)
    emit_events(shop, 60)

    def stop_at_the_first(_received: Received) -> None:
        shop.stopping.set()

    receiver.on_request = stop_at_the_first
    stopped = shop.runner().run(1, "webhooks")
    sent_before_the_stop = len(receiver.received)
    receiver.on_request = None
    shop.stopping.clear()
    while len(receiver.received) < 60:
        assert shop.runner().run(1, "webhooks").outcome == "succeeded"

    assert stopped.outcome == "failed"
    assert "stopped for the shutdown" in (stopped.message or "")
    assert 1 <= sent_before_the_stop < 60
    ids = [item.headers["webhook-id"] for item in receiver.received]
    assert len(ids) == len(set(ids)) == 60
    assert delivery_states(shop) == [("succeeded", 1)] * 60
    assert len(attempts(shop)) == 60


def test_given_no_active_connection_when_a_test_event_is_sent_then_it_is_delivered_and_logged(
    api: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    with shop.database.session() as session:
        session.get_one(Connection, 1).state = "paused"
    webhook_id, secret = subscribe(shop, receiver.url, EVENT)

    answer = api.post(f"/api/v1/webhooks/{webhook_id}/test")
    log = api.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()["items"]

    assert answer.status_code == 202
    assert answer.json()["queued"] is False
    assert answer.json()["succeeded"] is True
    assert answer.json()["status"] == 200
    [received] = receiver.received
    assert verify(secret, received)
    assert received.json()["type"] == "webhook.test"
    [delivery] = log
    assert delivery["state"] == "succeeded"
    assert delivery["event_id"] == received.headers["webhook-id"]
    assert [attempt["status"] for attempt in delivery["log"]] == [200]


def test_given_no_active_connection_when_the_test_button_is_pressed_then_the_page_says_sent(
    browser: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    with shop.database.session() as session:
        session.get_one(Connection, 1).state = "paused"
    webhook_id, _ = subscribe(shop, receiver.url, EVENT)
    token = csrf_token(browser, f"/settings/webhooks/{webhook_id}")

    pressed = browser.post(f"/settings/webhooks/{webhook_id}/test", data={"csrf_token": token})
    shown = browser.get(pressed.headers["location"], headers={"Accept-Language": "fr"})

    assert pressed.status_code == 303
    assert len(receiver.received) == 1
    assert 'data-testid="test-sent"' in shown.text
    with shop.database.reading() as session:
        states = session.scalars(select(WebhookDelivery.state)).all()
    assert states == ["succeeded"]
