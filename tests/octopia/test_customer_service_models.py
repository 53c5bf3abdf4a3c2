"""The customer-service models: tolerant reading, and the reply rules at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.octopia import ClientCredentials, OctopiaClient
from cdlink.octopia.models import (
    DISCUSSION_WINDOW_DAYS,
    MAX_ATTACHMENT_BYTES,
    CommercialGesture,
    Discussion,
    Graduation,
    OutgoingAttachment,
    ProcessStatus,
    Return,
    ReturnStatus,
)
from cdlink.octopia.models.discussions import message_problems

DISCUSSION = {
    "discussionId": "40000001",
    "updatedAt": "2026-03-02T09:00:00.000Z",
    "graduation": "Claim",
    "status": "ToTreat",
    "isOpen": True,
    "subTypologyCode": "productIsDamaged",
}


def test_given_a_listed_discussion_without_messages_when_read_then_messages_is_none() -> None:
    discussion = Discussion.model_validate(DISCUSSION)

    assert discussion.messages is None
    assert discussion.last_message is None
    assert discussion.graduation is Graduation.CLAIM
    assert discussion.is_claim
    assert discussion.process_status is ProcessStatus.TO_TREAT
    assert discussion.awaiting_reply


def test_given_unknown_values_and_the_other_status_key_when_read_then_they_are_kept() -> None:
    raw = {
        **DISCUSSION,
        "graduation": "Level_2",
        "processStatus": "Escalated",
        "novelty": 1,
    }
    raw.pop("status")

    discussion = Discussion.model_validate(raw)

    assert discussion.graduation == "Level_2"
    assert not discussion.is_claim
    assert discussion.process_status == "Escalated"
    assert discussion.model_extra == {"novelty": 1}


@pytest.mark.parametrize(
    "key", ["requestId", "cancellationRequestId", "commercialGestureRequestId"]
)
def test_given_any_id_key_of_a_gesture_when_read_then_request_id_is_set(key: str) -> None:
    gesture = CommercialGesture.model_validate({key: "60000001", "amount": 3.5})

    assert gesture.request_id == "60000001"
    assert gesture.amount == Decimal("3.5")


def test_given_a_return_with_an_unknown_status_when_read_then_kept_as_text() -> None:
    known = Return.model_validate({"returnId": "R1", "status": "Referencing"})
    unknown = Return.model_validate({"returnId": "R2", "status": "Lost"})

    assert known.status is ReturnStatus.REFERENCING
    assert unknown.status == "Lost"


@pytest.mark.parametrize(
    ("length", "broken"), [(12, True), (13, False), (5000, False), (5001, True)]
)
def test_given_a_body_length_when_checked_then_13_to_5000_pass(length: int, broken: bool) -> None:
    assert bool(message_problems("a" * length, [])) is broken


def test_given_attachments_at_the_limits_when_checked_then_only_the_excess_is_named() -> None:
    exact = OutgoingAttachment.of("photo.JPG", b"0" * MAX_ATTACHMENT_BYTES)
    three = [OutgoingAttachment.of(f"{n}.pdf", b"%PDF") for n in range(3)]

    assert message_problems("Bonjour, voici la photo.", [exact, *three[:2]]) == []
    problems = message_problems("Bonjour, voici la photo.", [*three, exact])
    assert [problem.split(":")[0] for problem in problems] == ["attachment_count"]
    assert exact.to_payload()["contentType"] == "image/jpeg"


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001  (hypothesis bounds are naive)
        max_value=datetime(2030, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)),
)
def test_given_any_window_when_cut_for_discussions_then_contiguous_pieces_of_six_months_at_most(
    start: datetime, length: timedelta
) -> None:
    credentials = ClientCredentials(seller_id="1", client_id="c", client_secret="s")
    low = start
    with OctopiaClient(
        credentials, transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as client:
        pieces = client.discussions.windows(low, low + length)

    assert pieces[0][0] == low
    assert pieces[-1][1] == low + length
    assert all(b - a <= timedelta(days=DISCUSSION_WINDOW_DAYS) for a, b in pieces)
    assert all(pieces[n][1] == pieces[n + 1][0] for n in range(len(pieces) - 1))
