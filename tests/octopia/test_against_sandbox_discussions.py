"""The discussions service against the sandbox: reading, replying, the rules, both variants of
each conflict, escalation and faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cdlink.core.clock import ManualClock
from cdlink.octopia import (
    Conflict,
    DiscussionCountQuery,
    DiscussionQuery,
    MalformedResponse,
    OctopiaClient,
    RuleViolation,
    ServerError,
)
from cdlink.octopia.models import (
    Graduation,
    IncludeMessages,
    OrderStatus,
    OutgoingAttachment,
    ProcessStatus,
    SubTypology,
    UserType,
)
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.octopia_sandbox import connect

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPLY = "Bonjour, nous vous renvoyons le produit dès aujourd'hui."


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sandbox(clock: ManualClock) -> Sandbox:
    return Sandbox(SandboxConfig(seed=1, customer_reply_probability=0.0), clock=clock)


def delivered_discussion(sandbox: Sandbox, sub_typology: str = "productIsDamaged") -> str:
    order_id = sandbox.create_orders(1, status="Delivered")[0]
    return sandbox.open_discussion(order_id, sub_typology=sub_typology)


def requests_to(sandbox: Sandbox, endpoint: str) -> int:
    return sum(1 for request in sandbox.requests() if request["endpoint"] == endpoint)


def test_given_seeded_discussions_when_listing_every_change_then_each_comes_once_with_a_message(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    found = list(sandbox_client.discussions.list_changed(LONG_AGO))

    ids = [discussion.discussion_id for discussion in found]
    assert len(ids) == len(set(ids)) == sandbox_client.discussions.count() == 4
    for discussion in found:
        assert discussion.messages is not None
        assert len(discussion.messages) == 1
        assert discussion.order_seller_id in sandbox.order_statuses()
        assert discussion.updated_at.utcoffset() == timedelta(0)  # aware UTC
    assert [d.updated_at for d in found] == sorted(d.updated_at for d in found)


def test_given_no_include_messages_when_listing_then_messages_are_absent_not_empty(
    sandbox_client: OctopiaClient,
) -> None:
    query = DiscussionQuery(include_messages=None)

    page = next(iter(sandbox_client.discussions.list_pages(query)))

    assert page.items
    assert all(discussion.messages is None for discussion in page.items)


def test_given_a_window_over_six_months_when_listing_a_page_then_refused_before_sending(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    query = DiscussionQuery(updated_at_min=LONG_AGO, updated_at_max=START)

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.discussions.list_page(query)

    assert raised.value.rule == "discussion_window"
    assert not raised.value.sent
    assert requests_to(sandbox, "discussions.list") == 0


def test_given_a_discussion_when_read_then_every_message_and_the_eligible_receivers_come(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)

    discussion = sandbox_client.discussions.get(discussion_id)

    assert discussion.graduation is Graduation.DISCUSSION
    assert discussion.sub_typology_code is SubTypology.PRODUCT_IS_DAMAGED
    assert discussion.process_status is ProcessStatus.TO_TREAT
    assert discussion.messages
    assert "Bonjour" in (discussion.messages[0].body or "")
    assert [r.user_type for r in discussion.eligible_receivers] == [UserType.CUSTOMER]


@pytest.mark.parametrize("variant", ["receivers", "receiver", "either"])
def test_given_either_recipient_format_when_replying_then_the_message_is_delivered(
    sandbox: Sandbox, variant: str
) -> None:
    sandbox.set_variants(message_receiver=variant)
    discussion_id = delivered_discussion(sandbox)
    with connect(sandbox) as client:
        before = client.discussions.get(discussion_id).updated_at
        sandbox.advance(60)
        message = client.discussions.reply(discussion_id, REPLY)
        message_again = client.discussions.reply(discussion_id, REPLY + " Cordialement.")
        after = client.discussions.get(discussion_id)

    assert message is not None
    assert message_again is not None
    assert after.process_status is ProcessStatus.TREATED
    assert after.updated_at > before
    assert [m.body for m in after.messages or []][-2:] == [REPLY, REPLY + " Cordialement."]
    assert after.messages
    assert after.messages[-1].receivers[0].user_type is UserType.CUSTOMER


@pytest.mark.parametrize("variant", ["op", "opt", "either"])
def test_given_either_json_patch_dialect_when_closing_and_marking_read_then_both_apply(
    sandbox: Sandbox, variant: str
) -> None:
    sandbox.set_variants(json_patch=variant)
    discussion_id = delivered_discussion(sandbox)
    with connect(sandbox) as client:
        first = client.discussions.get(discussion_id).messages or []
        client.discussions.mark_read(first[0].message_id)
        client.discussions.close(discussion_id)
        closed = client.discussions.get(discussion_id)

    assert closed.is_open is False
    assert closed.messages
    assert closed.messages[0].has_read is True


@pytest.mark.parametrize(
    ("body", "attachments", "rule"),
    [
        ("Trop court.", [], "message_length"),
        ("x" * 5001, [], "message_length"),
        (
            REPLY,
            [OutgoingAttachment.of(f"p{n}.pdf", b"%PDF") for n in range(4)],
            "attachment_count",
        ),
        (REPLY, [OutgoingAttachment.of("photo.jpg", b"0" * (5 * 1024 * 1024))], "attachment_size"),
        (REPLY, [OutgoingAttachment.of("virus.exe", b"MZ")], "attachment_type"),
    ],
)
def test_given_a_reply_breaking_a_rule_when_sent_then_refused_before_anything_is_sent(
    sandbox: Sandbox,
    sandbox_client: OctopiaClient,
    body: str,
    attachments: list[OutgoingAttachment],
    rule: str,
) -> None:
    discussion_id = delivered_discussion(sandbox)

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.discussions.reply(discussion_id, body, attachments=attachments)

    assert raised.value.rule == rule
    assert raised.value.sent is False
    assert rule in str(raised.value)
    assert requests_to(sandbox, "messages.create") == 0


def test_given_a_receiver_not_eligible_yet_when_replying_then_the_marketplace_rule_is_typed(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)

    with pytest.raises(RuleViolation) as raised:
        sandbox_client.discussions.reply(discussion_id, REPLY, receivers=[UserType.GRC_OPERATOR])

    assert raised.value.rule == "message_receiver"
    assert raised.value.sent is True
    assert raised.value.status == 400


def test_given_a_closed_discussion_when_replying_then_conflict(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    sandbox_client.discussions.close(discussion_id)

    with pytest.raises(Conflict):
        sandbox_client.discussions.reply(discussion_id, REPLY)


def test_given_attachments_when_replying_then_they_can_be_listed_and_downloaded(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    invoice = OutgoingAttachment.of("facture.pdf", b"%PDF-1.4 facture")

    sandbox_client.discussions.reply(discussion_id, REPLY, attachments=[invoice])
    listed = sandbox_client.discussions.attachments(discussion_id=discussion_id)

    assert [item.file_name for item in listed] == ["facture.pdf"]
    assert listed[0].content_type == "application/pdf"
    assert sandbox_client.discussions.download(listed[0].attachment_id) == invoice.content


def test_given_an_order_status_when_opening_a_discussion_then_the_sub_typology_is_checked(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    accepted = sandbox.create_orders(1, status="Accepted")[0]
    delivered = sandbox.create_orders(1, status="Delivered")[0]

    with pytest.raises(RuleViolation) as before_sending:
        sandbox_client.discussions.open(
            accepted,
            SubTypology.PRODUCT_IS_DAMAGED,
            "Colis",
            REPLY,
            order_status=OrderStatus.ACCEPTED,
        )
    with pytest.raises(RuleViolation) as from_marketplace:
        sandbox_client.discussions.open(accepted, SubTypology.PRODUCT_IS_DAMAGED, "Colis", REPLY)
    opened = sandbox_client.discussions.open(
        delivered, SubTypology.PRINT_RECEIPT, "Votre facture", REPLY
    )

    assert (before_sending.value.rule, before_sending.value.sent) == ("sub_typology_status", False)
    assert (from_marketplace.value.rule, from_marketplace.value.sent) == (
        "sub_typology_status",
        True,
    )
    assert from_marketplace.value.status == 422
    assert opened.order_seller_id == delivered
    assert opened.is_open
    assert opened.process_status is ProcessStatus.TREATED


def test_given_typologies_and_channel_rules_when_read_then_they_follow_the_order_status(
    sandbox_client: OctopiaClient,
) -> None:
    accepted = sandbox_client.discussions.typologies(OrderStatus.ACCEPTED)
    cancelled = sandbox_client.discussions.typologies(OrderStatus.CANCELLED)
    rules = sandbox_client.discussions.sales_channel_configuration()

    assert [s.sub_typology_code for s in accepted[0].sub_typologies] == [
        SubTypology.ORDER_NOT_SHIPPED
    ]
    assert [s.sub_typology_code for s in cancelled[0].sub_typologies] == [SubTypology.PRINT_RECEIPT]
    assert (rules.message_min_length, rules.message_max_length) == (13, 5000)
    assert rules.max_attachments_per_message == 3


def test_given_an_unanswered_discussion_when_time_passes_then_claim_then_level_1(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    since = datetime.fromisoformat(sandbox.now().replace("Z", "+00:00"))

    sandbox.advance(2 * 86400)
    claim = sandbox_client.discussions.get(discussion_id)
    sandbox.advance(2 * 86400)
    level_1 = sandbox_client.discussions.get(discussion_id)
    changed = [d.discussion_id for d in sandbox_client.discussions.list_changed(since)]

    assert claim.graduation is Graduation.CLAIM
    assert claim.is_claim
    assert {r.user_type for r in claim.eligible_receivers} == {
        UserType.CUSTOMER,
        UserType.GRC_OPERATOR,
    }
    assert level_1.graduation is Graduation.LEVEL_1
    assert discussion_id in changed
    claims = DiscussionCountQuery(graduation=Graduation.LEVEL_1)
    assert sandbox_client.discussions.count(claims) >= 1
    with pytest.raises(Conflict):
        sandbox_client.discussions.close(discussion_id)


def test_given_a_reply_in_time_when_the_delay_passes_then_no_escalation(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    sandbox.advance(86400)
    sandbox_client.discussions.reply(discussion_id, REPLY)

    sandbox.advance(5 * 86400)

    assert sandbox_client.discussions.get(discussion_id).graduation is Graduation.DISCUSSION


def test_given_filters_when_listing_then_only_matching_discussions_come(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox, "printReceipt")
    order_id = sandbox.discussion(discussion_id)["orderSellerId"]
    query = DiscussionQuery(
        order_id=order_id,
        sub_typology_code=SubTypology.PRINT_RECEIPT,
        include_messages=IncludeMessages.FIRST_MESSAGE,
        is_open=True,
    )

    found = list(sandbox_client.discussions.list_changed(START - timedelta(days=1), query=query))

    assert [d.discussion_id for d in found] == [discussion_id]


def test_given_throttling_a_5xx_and_a_revoked_token_when_reading_then_the_client_recovers(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    sandbox.add_fault({"kind": "status", "endpoint": "discussions.list", "status": 429, "count": 2})
    sandbox.add_fault({"kind": "status", "endpoint": "discussions.get", "status": 503, "count": 1})

    listed = list(sandbox_client.discussions.list_changed(START - timedelta(days=1)))
    sandbox.revoke_tokens()
    read = sandbox_client.discussions.get(discussion_id)

    assert discussion_id in [d.discussion_id for d in listed]
    assert read.discussion_id == discussion_id


def test_given_a_5xx_on_a_reply_when_sent_then_it_is_not_repeated(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    discussion_id = delivered_discussion(sandbox)
    sandbox.add_fault({"kind": "status", "endpoint": "messages.create", "status": 503, "count": 1})

    with pytest.raises(ServerError):
        sandbox_client.discussions.reply(discussion_id, REPLY)

    assert requests_to(sandbox, "messages.create") == 1


def test_given_a_malformed_discussion_when_listing_then_pages_keep_it_aside_and_changes_raise(
    sandbox: Sandbox, sandbox_client: OctopiaClient
) -> None:
    rule = {"kind": "malformed", "endpoint": "discussions.list", "malformation": "missing_field"}
    sandbox.add_fault({**rule, "count": 1})
    window = DiscussionQuery(updated_at_min=START - timedelta(days=30), updated_at_max=START)

    page = sandbox_client.discussions.list_page(window)
    sandbox.add_fault({**rule, "count": 1})

    assert len(page.rejected) == 1
    assert "discussionId" in page.rejected[0].reason
    with pytest.raises(MalformedResponse):
        list(sandbox_client.discussions.list_changed(START - timedelta(days=30), START))
