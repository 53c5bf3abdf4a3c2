"""The webhook lists follow the list convention of ``/api/v1`` (docs/api.md): items and a cursor
walked page by page, ``sort``, ``updated_since`` on subscriptions, a 422 for a foreign cursor;
and a paused webhook's pending deliveries say "paused" rather than a next try in the past."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.webhooks import subscriptions
from cdlink.hub.webhooks.events import emit
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import StreamSchedule
from tests.support.webhook_receiver import Receiver
from tests.support.webhooks import deliver, delivery_states, subscribe

EVENT = "order.created"
FRENCH = {"Accept-Language": "fr"}
ENGLISH = {"Accept-Language": "en"}


def walk(api: TestClient, path: str) -> list[int]:
    """The ids of every row, following ``next`` with two rows a page."""
    answer = api.get(path, params={"limit": "2"})
    ids: list[int] = []
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids += [item["id"] for item in body["items"]]
        if body["next"] is None:
            assert body["next_cursor"] is None
            return ids
        answer = api.get(body["next"])


def emit_events(shop: JobEnvironment, count: int) -> None:
    with shop.database.session() as session:
        for index in range(count):
            emit(session, EVENT, {"order": index}, connection_id=1, now=shop.clock.now())


def test_given_three_webhooks_when_listed_by_cursor_then_each_comes_once_in_the_chosen_order(
    api: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    made = [subscribe(shop, f"{receiver.url}/{n}", EVENT)[0] for n in range(3)]

    walked = walk(api, "/api/v1/webhooks")
    newest_first = api.get("/api/v1/webhooks", params={"sort": "-id"}).json()["items"]
    future = api.get("/api/v1/webhooks", params={"updated_since": "2100-01-01T00:00:00Z"})
    foreign = api.get("/api/v1/webhooks", params={"cursor": "bm90IGEgY3Vyc29y"})

    assert walked == made
    assert [item["id"] for item in newest_first] == made[::-1]
    assert future.json()["items"] == []
    assert foreign.status_code == 422


def test_given_five_deliveries_when_listed_by_cursor_then_newest_first_each_once(
    api: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    webhook_id, _ = subscribe(shop, receiver.url, EVENT)
    emit_events(shop, 5)
    path = f"/api/v1/webhooks/{webhook_id}/deliveries"

    walked = walk(api, path)
    first = api.get(path, params={"limit": "2"}).json()
    other_webhook = api.get(
        f"/api/v1/webhooks/{subscribe(shop, receiver.url, EVENT)[0]}/deliveries",
        params={"cursor": first["next_cursor"]},
    )
    by_before = api.get(path, params={"before": str(walked[1])}).json()["items"]

    assert walked == sorted(walked, reverse=True)
    assert len(walked) == len(set(walked)) == 5
    assert other_webhook.status_code == 422
    assert [item["id"] for item in by_before] == walked[2:]


def test_given_a_paused_webhook_when_its_failed_delivery_is_shown_then_paused_not_a_past_try(
    browser: TestClient, shop: JobEnvironment, receiver: Receiver, sandbox_clock: ManualClock
) -> None:
    webhook_id, _ = subscribe(shop, receiver.url, EVENT)
    receiver.statuses = [500]
    emit_events(shop, 1)
    deliver(shop)
    with shop.database.session() as session:
        subscriptions.update(
            session, webhook_id, state="paused", allow_private=True, now=shop.clock.now()
        )
    sandbox_clock.advance(timedelta(hours=2))  # the planned retry is long past

    [listed] = browser.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()["items"]
    french = browser.get(f"/settings/webhooks/{webhook_id}", headers=FRENCH).text
    english = browser.get(f"/settings/webhooks/{webhook_id}", headers=ENGLISH).text

    assert (listed["state"], listed["paused"], listed["next_attempt_at"]) == ("pending", True, None)
    assert 'data-testid="delivery-paused"' in french
    assert "prochain essai" not in french
    assert "envoyée à la reprise du webhook" in french
    assert "sent when the webhook is resumed" in english
    assert "next try" not in english


def test_given_a_paused_webhook_when_resumed_then_its_held_deliveries_are_sent_at_once(
    api: TestClient, shop: JobEnvironment, receiver: Receiver, sandbox_clock: ManualClock
) -> None:
    webhook_id, _ = subscribe(shop, receiver.url, EVENT)
    receiver.statuses = [500]
    emit_events(shop, 1)
    deliver(shop)  # failed: retried in 30 s
    api.patch(f"/api/v1/webhooks/{webhook_id}", json={"state": "paused"})
    deliver(shop)
    held = len(receiver.received)
    with shop.database.session() as session:
        session.get_one(StreamSchedule, (1, "webhooks")).requested_at = None

    resumed = api.patch(f"/api/v1/webhooks/{webhook_id}", json={"state": "active"})
    with shop.database.reading() as session:
        requested = session.scalars(
            select(StreamSchedule.requested_at).where(StreamSchedule.stream == "webhooks")
        ).one()
    deliver(shop)  # the clock has not moved: the 30 s retry is not what sends them

    assert held == 1
    assert resumed.json()["state"] == "active"
    assert requested is not None
    assert delivery_states(shop) == [("succeeded", 2)]
