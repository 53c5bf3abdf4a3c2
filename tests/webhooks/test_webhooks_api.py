"""``/api/v1/webhooks``: the secret shown once, never again; edits, pause and resume; the
deliveries log; a replay; a test event; 404 and 422 answers; members may not subscribe."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import WebhookSubscription
from tests.support.webhook_receiver import Receiver, verify
from tests.support.webhooks import deliver


def create(api: TestClient, url: str) -> dict[str, object]:
    answer = api.post(
        "/api/v1/webhooks",
        json={"url": url, "event_types": ["order.created", "price.held"], "description": "ERP"},
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, object] = answer.json()
    return created


def test_given_a_new_webhook_when_read_back_then_the_secret_is_never_shown_again(
    api: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    created = create(api, receiver.url)
    secret = str(created["secret"])

    listed = api.get("/api/v1/webhooks")
    one = api.get(f"/api/v1/webhooks/{created['id']}")

    assert secret.startswith("whsec_")
    assert secret not in listed.text
    assert secret not in one.text
    assert "secret" not in one.json()
    with shop.database.reading() as session:
        stored = session.scalars(select(WebhookSubscription.secret_ciphertext)).one()
    assert secret not in stored
    assert one.json()["event_types"] == ["order.created", "price.held"]


def test_given_a_webhook_when_a_test_event_is_sent_then_verified_logged_and_replayable(
    api: TestClient, shop: JobEnvironment, receiver: Receiver
) -> None:
    created = create(api, receiver.url)

    queued = api.post(f"/api/v1/webhooks/{created['id']}/test")
    deliver(shop)
    log = api.get(f"/api/v1/webhooks/{created['id']}/deliveries").json()["items"]

    assert queued.status_code == 202
    assert queued.json()["queued"] is True
    [received] = receiver.received
    assert verify(str(created["secret"]), received)
    assert received.json()["type"] == "webhook.test"
    [delivery] = log
    assert delivery["state"] == "succeeded"
    assert delivery["event_id"] == received.headers["webhook-id"]
    assert delivery["log"][0]["status"] == 200
    assert delivery["log"][0]["excerpt"] == '{"ok":true}'

    replayed = api.post(f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/replay")
    deliver(shop)

    assert replayed.status_code == 202
    assert replayed.json()["state"] == "pending"
    assert [item.headers["webhook-id"] for item in receiver.received] == [delivery["event_id"]] * 2


def test_given_a_webhook_when_patched_paused_and_deleted_then_each_change_shows(
    api: TestClient, receiver: Receiver
) -> None:
    created = create(api, receiver.url)
    path = f"/api/v1/webhooks/{created['id']}"

    paused = api.patch(path, json={"state": "paused", "event_types": ["order.shipped"]})
    resumed = api.patch(path, json={"state": "active"})
    deleted = api.delete(path)

    assert paused.json()["state"] == "paused"
    assert paused.json()["event_types"] == ["order.shipped"]
    assert resumed.json()["state"] == "active"
    assert deleted.status_code == 204
    assert api.get(path).status_code == 404


def test_given_bad_input_when_sent_then_422_or_404_with_a_hint(api: TestClient) -> None:
    unknown_type = api.post(
        "/api/v1/webhooks", json={"url": "https://example.com/", "event_types": ["order.eaten"]}
    )
    bad_url = api.post(
        "/api/v1/webhooks", json={"url": "ftp://example.com/", "event_types": ["order.created"]}
    )
    missing = api.get("/api/v1/webhooks/999/deliveries")
    replay_missing = api.post("/api/v1/webhooks/999/deliveries/1/replay")
    huge = api.get("/api/v1/webhooks/99999999999")

    assert unknown_type.status_code == 422
    assert bad_url.status_code == 422
    assert "hint" in bad_url.json()
    assert missing.status_code == 404
    assert replay_missing.status_code == 404
    assert huge.status_code == 422
