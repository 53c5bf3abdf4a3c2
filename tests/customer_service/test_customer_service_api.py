"""``/api/v1`` customer service: the inbox filters, a thread, replies, closings, refunds,
gestures, returns; refused requests record nothing."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import CustomerServiceAction, OutboxEntry
from tests.support.customer_service import run_until_success, seller_client, shipped_order
from tests.support.web import ADMIN_EMAIL

REPLY = "Bonjour, votre colis est parti ce matin avec Colissimo."


def _first_open(api: TestClient) -> dict[str, object]:
    listing = api.get("/api/v1/discussions", params={"open": "true"})
    assert listing.status_code == 200, listing.text
    items = listing.json()["items"]
    assert items
    assert all(item["is_open"] for item in items)
    return dict(items[0])


def _recorded(shop: JobEnvironment) -> tuple[int, int]:
    with shop.database.reading() as session:
        actions = session.scalar(select(func.count(CustomerServiceAction.id))) or 0
        entries = session.scalar(select(func.count(OutboxEntry.id))) or 0
        return int(actions), int(entries)


def test_given_imported_discussions_then_the_inbox_lists_them_with_order_timers_and_counts(
    api: TestClient,
) -> None:
    body = api.get("/api/v1/discussions", params={"view": "all"}).json()

    assert body["total"] == len(body["items"]) > 0
    assert body["counts"]["all"] == body["total"]
    assert set(body["counts"]) >= {"open", "claims", "to_treat", "waiting_customer", "overdue"}
    item = body["items"][0]
    assert item["order_id"] is not None  # linked to cdlink's own order
    assert item["timers"]["risk"] in {"none", "low", "medium", "high"}


def test_given_a_discussion_then_its_thread_has_every_message(
    api: TestClient, sandbox: Sandbox
) -> None:
    item = _first_open(api)
    detail = api.get(f"/api/v1/discussions/{item['id']}").json()

    expected = sandbox.discussion(str(item["marketplace_discussion_id"]))["messages"]
    assert [m["marketplace_message_id"] for m in detail["messages"]] == [
        m["messageId"] for m in expected
    ]


def test_given_a_reply_and_a_close_then_both_are_queued_and_sent(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    item = _first_open(api)
    photo = base64.b64encode(b"\x89PNG....").decode()
    replied = api.post(
        f"/api/v1/discussions/{item['id']}/replies",
        json={"body": REPLY, "attachments": [{"file_name": "colis.png", "content": photo}]},
    )
    closed = api.post(f"/api/v1/discussions/{item['id']}/close")
    assert (replied.status_code, closed.status_code) == (202, 202), replied.text
    assert replied.json()["state"] == "pending"

    run_until_success(shop, "customer_service_actions")

    detail = api.get(f"/api/v1/discussions/{item['id']}").json()
    assert [action["state"] for action in detail["actions"]] == ["done", "done"]
    assert detail["is_open"] is False
    assert any(m["body"] == REPLY for m in detail["messages"])
    assert sandbox.discussion(str(item["marketplace_discussion_id"]))["isOpen"] is False


def test_given_a_reply_too_short_or_a_fourth_attachment_then_422_names_the_rule(
    api: TestClient, shop: JobEnvironment
) -> None:
    item = _first_open(api)
    short = api.post(f"/api/v1/discussions/{item['id']}/replies", json={"body": "Trop court"})
    files = [{"file_name": f"p{n}.jpg", "content": "AAAA"} for n in range(4)]
    many = api.post(
        f"/api/v1/discussions/{item['id']}/replies", json={"body": REPLY, "attachments": files}
    )

    assert (short.status_code, short.json()["rule"]) == (422, "message_length")
    assert (many.status_code, many.json()["rule"]) == (422, "attachment_count")
    assert _recorded(shop) == (0, 0)


def test_given_a_gesture_then_it_is_queued_and_one_above_the_allowed_amount_is_refused(
    api: TestClient, shop: JobEnvironment
) -> None:
    order = shipped_order(shop)
    too_much = api.post(
        "/api/v1/gestures",
        json={"order_id": order.id, "amount": "99999.00", "reason": "LateDelivery"},
    )
    assert (too_much.status_code, too_much.json()["rule"]) == (422, "gesture_amount")
    assert _recorded(shop) == (0, 0)

    made = api.post(
        "/api/v1/gestures", json={"order_id": order.id, "amount": "2.50", "reason": "LateDelivery"}
    )
    assert made.status_code == 202, made.text
    run_until_success(shop, "customer_service_actions")

    [gesture] = api.get("/api/v1/gestures").json()["items"]
    assert (gesture["state"], gesture["amount"], gesture["reason"]) == (
        "done",
        "2.50",
        "LateDelivery",
    )


def test_given_no_fulfilment_order_then_returns_are_empty_and_say_why(api: TestClient) -> None:
    body = api.get("/api/v1/returns").json()

    assert body["items"] == []
    assert "fulfilled by Octopia" in body["note"]


def test_given_an_unknown_discussion_then_404(api: TestClient) -> None:
    assert api.get("/api/v1/discussions/999999").status_code == 404
    assert api.post("/api/v1/discussions/999999/close").status_code == 404


def test_given_a_return_of_a_fulfilment_order_then_the_returns_stream_lists_it_with_its_status(
    api: TestClient, shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Shipped", supply_mode="Fulfillment")
    with seller_client(shop) as client:
        created = client.returns.create(order_id, "Damaged")
    run_until_success(shop, "returns")

    [item] = api.get("/api/v1/returns").json()["items"]
    assert item["marketplace_return_id"] == created.return_id
    assert item["marketplace_order_id"] == order_id
    assert item["status"] == str(created.status)


def test_given_a_discussion_when_assigned_and_marked_read_then_both_show_and_a_stranger_is_refused(
    api: TestClient, shop: JobEnvironment
) -> None:
    item = _first_open(api)
    path = f"/api/v1/discussions/{item['id']}"
    assigned = api.put(f"{path}/assignment", json={"assigned_to": ADMIN_EMAIL})
    stranger = api.put(f"{path}/assignment", json={"assigned_to": "nobody@example.com"})
    read = api.post(f"{path}/read")

    assert (assigned.status_code, assigned.json()["assigned_to"]) == (200, ADMIN_EMAIL)
    assert (stranger.status_code, stranger.json()["rule"]) == (422, "assignee")
    assert read.status_code == 204
    assert api.get(path).json()["read"] is True
    run_until_success(shop, "customer_service_actions")
    kinds = [(a["kind"], a["state"]) for a in api.get(path).json()["actions"]]
    assert kinds == [("mark_read", "done")]


def test_given_imported_discussions_when_searched_by_order_number_then_its_threads_show(
    api: TestClient,
) -> None:
    everything = api.get("/api/v1/discussions", params={"view": "all"}).json()["items"]
    number = next(
        item["marketplace_order_id"] for item in everything if item["marketplace_order_id"]
    )
    threads = {item["id"] for item in everything if item["marketplace_order_id"] == number}

    body = api.get("/api/v1/discussions", params={"view": "all", "q": number.lower()}).json()

    assert {item["id"] for item in body["items"]} >= threads
    for item in body["items"]:
        fields = [item[name] for name in ("marketplace_discussion_id", "marketplace_order_id")]
        fields += [item["subject"], item["customer_id"]]
        assert any(number.lower() in (field or "").lower() for field in fields)
    assert body["total"] == len(body["items"])
    nothing = api.get("/api/v1/discussions", params={"view": "all", "q": "no-such-thread"})
    assert nothing.json()["total"] == 0
