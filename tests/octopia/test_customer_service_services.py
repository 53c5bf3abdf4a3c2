"""Edge cases of the customer-service services on a scripted fake (``httpx.MockTransport``):
answers the sandbox never gives, and exactly what goes on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from cdlink.octopia import InvalidRequest, OctopiaClient, RuleViolation
from cdlink.octopia.models import AvailableAmount, GestureReason, UserType
from tests.support.octopia_fakes import FakeOctopia, order_payload, page, problem

REPLY = "Bonjour, votre colis part aujourd'hui."


def test_given_a_reply_answered_without_a_body_when_sent_then_none_and_the_wire_shape_is_known(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/messages", httpx.Response(201))

    answer = client.discussions.reply("40000001", REPLY, receivers=[UserType.CUSTOMER])

    assert answer is None
    sent = json.loads(fake.api_requests()[-1].content)
    assert sent == {
        "discussionId": "40000001",
        "salesChannel": "CDISFR",
        "body": REPLY,
        "attachments": [],
        "receivers": [{"userType": "Customer"}],
    }


def test_given_an_unrelated_400_when_replying_then_no_second_form_is_tried(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/messages", problem(400, "Bad", errors={"discussionId": ["unknown"]}))

    with pytest.raises(InvalidRequest) as raised:
        client.discussions.reply("40000001", REPLY)

    assert not isinstance(raised.value, RuleViolation)
    assert len(fake.api_requests()) == 1


def test_given_a_close_when_sent_then_standard_json_patch_with_its_media_type(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("PATCH", "/discussions/40000001", httpx.Response(204))

    client.discussions.close("40000001")

    request = fake.api_requests()[-1]
    assert request.headers["content-type"] == "application/json-patch+json"
    assert json.loads(request.content) == [{"op": "replace", "path": "/isOpen", "value": False}]


def test_given_a_long_window_when_listing_changes_then_one_request_per_six_months(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/discussions", page([]))
    start = datetime(2025, 1, 1, tzinfo=UTC)

    assert list(client.discussions.list_changed(start, start + timedelta(days=400))) == []

    windows = [
        (request.url.params["updatedAtMin"], request.url.params["updatedAtMax"])
        for request in fake.api_requests()
    ]
    assert len(windows) == 3
    assert windows[0][0] == "2025-01-01T00:00:00Z"
    assert all(r.url.params["includeMessages"] == "LastMessage" for r in fake.api_requests())
    assert all("sort" not in r.url.params for r in fake.api_requests())


def test_given_count_answers_as_an_object_or_a_number_when_counting_then_both_read(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/discussions/count", httpx.Response(200, json={"count": 7}))
    fake.route("GET", "/returns/count", httpx.Response(200, json=2))

    assert client.discussions.count() == 7
    assert client.returns.count() == 2
    assert fake.api_requests()[0].url.params["salesChannel"] == "CDISFR"


def test_given_a_gesture_when_sent_then_the_amount_is_a_json_number_and_known_fields_only(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders/A1", httpx.Response(200, json=order_payload("A1", status="Shipped")))
    fake.route(
        "POST",
        "/order-commercial-gesture-requests",
        httpx.Response(201, json={"partialCancellationRequestId": "G1", "status": "Pending"}),
    )

    gesture = client.commercial_gestures.request(
        "A1",
        GestureReason.MISSING_PRODUCT,
        Decimal("4.90"),
        available=AvailableAmount(allowable_amount=Decimal("10")),
    )

    assert gesture.request_id == "G1"
    sent = json.loads(fake.api_requests()[-1].content)
    assert sent == {
        "orderId": "A1",
        "reason": "MissingProduct",
        "amount": 4.9,
        "reasonDetails": None,
    }
