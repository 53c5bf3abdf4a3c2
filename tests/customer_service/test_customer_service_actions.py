"""Replies, closings, refunds and gestures: recorded before they are sent, through the outbox,
outcome read back; never sent twice; refused before anything is recorded when they break a rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service.rules import Attachment, CustomerServiceError
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import CustomerServiceAction, Discussion, Order, OutboxEntry
from cdlink.sync.customer_service.actions import (
    STREAM,
    request_close,
    request_gesture,
    request_refund,
    request_reply,
    request_retry,
)
from tests.support.customer_service import (
    import_all,
    run_until_success,
    seller_client,
    shipped_order,
    stored_discussion,
)

REPLY = "Bonjour, votre colis est parti ce matin avec Colissimo."


def _open_discussion(shop: JobEnvironment) -> Discussion:
    with shop.database.reading() as session:
        query = select(Discussion).where(Discussion.is_open.is_(True)).order_by(Discussion.id)
        found = session.scalars(query).first()
        assert found is not None
        return found


def _action(shop: JobEnvironment, action_id: int) -> CustomerServiceAction:
    with shop.database.reading() as session:
        return session.get_one(CustomerServiceAction, action_id)


def _outbox_size(shop: JobEnvironment) -> int:
    with shop.database.reading() as session:
        query = select(func.count(OutboxEntry.id)).where(OutboxEntry.stream == STREAM)
        return int(session.scalar(query) or 0)


def _reply(shop: JobEnvironment, discussion_id: int, body: str = REPLY, **kwargs: object) -> int:
    with shop.database.session() as session:
        discussion = session.get_one(Discussion, discussion_id)
        action = request_reply(
            session,
            discussion,
            body,
            requested_by="seller@example.com",
            now=shop.clock.now(),
            **kwargs,  # type: ignore[arg-type]
        )
        return action.id


def _seller_bodies(sandbox: Sandbox, marketplace_id: str) -> list[str]:
    messages = sandbox.discussion(marketplace_id)["messages"]
    return [item["body"] for item in messages if item["sender"]["userType"] == "Seller"]


def test_given_a_reply_when_the_exporter_runs_then_it_is_sent_once_and_shown_in_the_thread(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    discussion = _open_discussion(shop)
    action_id = _reply(shop, discussion.id)
    assert _action(shop, action_id).state == "pending"  # recorded before anything is sent

    run_until_success(shop, STREAM)

    action = _action(shop, action_id)
    assert (action.state, action.outcome) == ("done", "sent")
    assert _seller_bodies(sandbox, discussion.marketplace_discussion_id) == [REPLY]
    thread = stored_discussion(shop, discussion.marketplace_discussion_id)
    assert [m.body for m in thread.messages if m.sender_type == "Seller"] == [REPLY]


def test_given_the_answer_to_a_reply_is_lost_when_it_is_retried_then_it_is_not_sent_twice(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    discussion = _open_discussion(shop)
    action_id = _reply(shop, discussion.id)
    # The marketplace takes the message, then the connection drops before its answer, each time
    # the client tries: the run fails and the entry is claimed again later.
    sandbox.add_fault({"kind": "drop_after", "endpoint": "messages.create", "count": 10})
    first = shop.runner().run(1, STREAM)
    sandbox.clear_faults()
    assert first.outcome != "succeeded"
    run_until_success(shop, STREAM)

    assert _action(shop, action_id).state == "done"
    assert _seller_bodies(sandbox, discussion.marketplace_discussion_id) == [REPLY]


def test_given_a_close_when_the_exporter_runs_then_the_discussion_is_closed_on_both_sides(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    discussion = _open_discussion(shop)
    with shop.database.session() as session:
        action = request_close(
            session,
            session.get_one(Discussion, discussion.id),
            requested_by="seller@example.com",
            now=shop.clock.now(),
        )
        action_id = action.id
    run_until_success(shop, STREAM)

    assert _action(shop, action_id).state == "done"
    assert sandbox.discussion(discussion.marketplace_discussion_id)["isOpen"] is False
    assert stored_discussion(shop, discussion.marketplace_discussion_id).is_open is False


def test_given_a_gesture_on_a_shipped_order_then_it_is_sent_and_counts_in_the_order_figures(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    order = shipped_order(shop)
    with shop.database.session() as session:
        stored = session.get_one(Order, order.id)
        allowed = cs_actions.allowed_amount(session, stored)
        assert allowed > Decimal(5)
        action_id = request_gesture(
            session,
            stored,
            Decimal("5.00"),
            "LateDelivery",
            requested_by="seller@example.com",
            now=shop.clock.now(),
        ).id
    run_until_success(shop, STREAM)

    action = _action(shop, action_id)
    assert action.state == "done", action.outcome
    assert action.marketplace_id
    with shop.database.reading() as session:
        assert cs_actions.gestured_amount(session, order.id) == Decimal("5.00")
        assert cs_actions.allowed_amount(session, session.get_one(Order, order.id)) == (
            allowed - Decimal("5.00")
        )


def test_given_a_refund_of_an_accepted_order_then_the_order_is_cancelled_and_refunded(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [marketplace_id] = sandbox.create_orders(1, status="Accepted")
    sandbox_clock.advance(1)
    import_all(shop)
    run_until_success(shop, "cancellation_reasons")
    with shop.database.session() as session:
        order = session.scalars(
            select(Order).where(Order.marketplace_order_id == marketplace_id)
        ).one()
        [reason, *_] = cs_actions.refund_reasons(session, order)
        action_id = request_refund(
            session, order, reason, requested_by="seller@example.com", now=shop.clock.now()
        ).id
    run_until_success(shop, STREAM)

    action = _action(shop, action_id)
    assert action.state == "done", action.outcome
    assert action.amount
    with shop.database.reading() as session:
        order = session.get_one(Order, action.order_id)
        assert cs_actions.refunded_amount(session, order.id) == action.amount


def test_given_a_refusal_by_the_marketplace_then_the_action_fails_and_retry_asks_again(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_all(shop)
    discussion = _open_discussion(shop)
    action_id = _reply(shop, discussion.id)
    with seller_client(
        shop
    ) as client:  # closed meanwhile, outside cdlink: the marketplace says 409
        client.discussions.close(discussion.marketplace_discussion_id)
    run_until_success(shop, STREAM)
    failed = _action(shop, action_id)
    assert failed.state == "failed"
    assert "409" in (failed.outcome or "")
    assert _seller_bodies(sandbox, discussion.marketplace_discussion_id) == []

    with shop.database.session() as session:
        again = request_retry(
            session,
            session.get_one(CustomerServiceAction, action_id),
            requested_by="seller@example.com",
            now=shop.clock.now(),
        )
        assert (again.kind, again.payload, again.state) == ("reply", failed.payload, "pending")
        again_id = again.id
    run_until_success(shop, STREAM)

    assert _action(shop, again_id).state == "failed"  # still closed: the answer is shown again


def test_given_an_action_not_failed_when_retried_then_it_is_refused(shop: JobEnvironment) -> None:
    import_all(shop)
    action_id = _reply(shop, _open_discussion(shop).id)
    with shop.database.session() as session, pytest.raises(CustomerServiceError):
        request_retry(
            session,
            session.get_one(CustomerServiceAction, action_id),
            requested_by=None,
            now=shop.clock.now(),
        )


@pytest.mark.parametrize(
    ("body", "attachments", "rule"),
    [
        ("Trop court", [], "message_length"),
        ("x" * 5001, [], "message_length"),
        (REPLY, [Attachment(f"photo{n}.jpg", b"jpg") for n in range(4)], "attachment_count"),
        (REPLY, [Attachment("notice.pdf", b"0" * (5 * 1024 * 1024))], "attachment_size"),
        (REPLY, [Attachment("script.exe", b"MZ")], "attachment_type"),
        ("Votre colis part avec [carrier] aujourd'hui.", [], "unfilled_placeholder"),
    ],
    ids=[
        "12-characters",
        "5001-characters",
        "fourth-attachment",
        "5-MB-file",
        "exe-file",
        "unfilled-placeholder",
    ],
)
def test_given_a_reply_breaking_a_rule_then_it_is_refused_and_nothing_is_recorded(
    shop: JobEnvironment, body: str, attachments: list[Attachment], rule: str
) -> None:
    import_all(shop)
    discussion = _open_discussion(shop)
    with pytest.raises(CustomerServiceError) as refused:
        _reply(shop, discussion.id, body, attachments=attachments)

    assert refused.value.rule == rule
    assert _outbox_size(shop) == 0
    with shop.database.reading() as session:
        assert session.scalar(select(func.count(CustomerServiceAction.id))) == 0


def test_given_a_gesture_above_the_allowed_amount_or_before_shipment_then_it_is_refused(
    shop: JobEnvironment,
) -> None:
    import_all(shop)
    order = shipped_order(shop)
    with shop.database.session() as session:
        stored = session.get_one(Order, order.id)
        above = cs_actions.allowed_amount(session, stored) + Decimal("0.01")
        with pytest.raises(CustomerServiceError) as too_much:
            request_gesture(
                session, stored, above, "LateDelivery", requested_by=None, now=shop.clock.now()
            )
        waiting = session.scalars(
            select(Order).where(Order.status.in_(("WaitingAcceptance", "Accepted"))).limit(1)
        ).first()
        assert waiting is not None
        with pytest.raises(CustomerServiceError) as too_early:
            request_gesture(
                session,
                waiting,
                Decimal(1),
                "LateDelivery",
                requested_by=None,
                now=shop.clock.now(),
            )

    assert too_much.value.rule == "gesture_amount"
    assert too_early.value.rule == "order_status"
    assert _outbox_size(shop) == 0
