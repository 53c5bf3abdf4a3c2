"""Order actions against the sandbox: recorded first, sent by the engine, the outcome recorded
(an accept or refuse on its 2xx, the rest or an ambiguous answer read back)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.orders.actions import (
    ALWAYS,
    CONFIRMED,
    OrderActionError,
    actions_of,
    allowed,
    awaiting_status,
    check,
    none_recorded_yet,
    record_many,
    set_acceptance_policy,
)
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import FaultRule, Sandbox
from cdlink.store.models import Order, OrderAction, OutboxEntry
from cdlink.store.schedules import schedule_for
from tests.support.orders import ask, run_until_success, seller_client, stored


def action(shop: JobEnvironment, action_id: int) -> OrderAction:
    with shop.database.reading() as session:
        return session.get_one(OrderAction, action_id)


def fetch_reasons(shop: JobEnvironment) -> None:
    report = shop.runner().run(1, "cancellation_reasons")
    assert report.outcome == "succeeded", report.message


def send(shop: JobEnvironment) -> None:
    report = shop.runner().run(1, "order_actions")
    assert report.outcome == "succeeded", report.message


def reads_of(sandbox: Sandbox, order_id: str) -> int:
    """How many times the order was read on its own (``GET /orders/{id}``)."""
    return sum(
        call["endpoint"] == "orders.get" and call["path"].endswith(f"/{order_id}")
        for call in sandbox.requests()
    )


@pytest.mark.parametrize(("kind", "status"), [("accept", "Accepted"), ("refuse", "Refused")])
def test_given_a_waiting_order_when_accept_or_refuse_is_answered_then_it_is_done_unread(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock, kind: str, status: str
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    action_id = ask(shop, order_id, kind)
    assert action(shop, action_id).state == "pending"  # recorded before anything is sent
    with shop.database.reading() as session:
        assert session.scalars(select(OutboxEntry.state)).all() == ["pending"]
        assert schedule_for(session, 1, "orders").requested_at is None

    send(shop)

    assert sandbox.order(order_id)["status"] == status
    sent = action(shop, action_id)
    assert (sent.state, sent.outcome) == ("done", CONFIRMED)  # the 2xx is the confirmation
    assert reads_of(sandbox, order_id) == 0
    waiting = stored(shop, order_id)
    assert waiting.status == "WaitingAcceptance"  # until the orders stream reads it
    assert awaiting_status(sent, waiting)
    with shop.database.reading() as session:
        # The new status is asked for at once: the orders stream is due now, not at its turn.
        assert schedule_for(session, 1, "orders").requested_at is not None
        order = session.get_one(Order, waiting.id)
        assert not allowed(order, "accept")
        assert not allowed(order, "refuse")
        with pytest.raises(OrderActionError, match="already confirmed"):
            check(order, "refuse" if kind == "accept" else "accept", {})

    sandbox_clock.advance(1)
    run_until_success(shop)

    assert stored(shop, order_id).status == status
    assert not awaiting_status(sent, stored(shop, order_id))


def test_given_a_waiting_order_when_cancelled_then_the_order_is_read_back_at_once(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    fetch_reasons(shop)
    action_id = ask(shop, order_id, "cancel", reason="CustomerRequest")

    send(shop)

    assert sandbox.order(order_id)["status"] == "Cancelled"
    assert stored(shop, order_id).status == "Cancelled"  # read back at once
    sent = action(shop, action_id)
    assert (sent.state, sent.outcome) == ("done", "the order is now Cancelled")


def test_given_an_acceptance_whose_answer_was_lost_when_sent_again_then_it_is_read_back_done(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    action_id = ask(shop, order_id, "accept")
    # The marketplace accepts the order, and the connection drops before its answer arrives.
    sandbox.add_fault(FaultRule(kind="drop_after", endpoint="orders.approval", count=1))

    lost = shop.runner().run(1, "order_actions")
    during = action(shop, action_id).state
    shop.clock.advance(600)  # type: ignore[attr-defined]  (past the failure policy's retry)
    send(shop)

    assert lost.outcome == "failed"
    assert during == "pending"  # no answer: nothing recorded, the entry back in the queue
    # Accepted, and perhaps moved on by the marketplace's own timer since.
    status = sandbox.order(order_id)["status"]
    assert status in {"Accepted", "InPreparation"}
    # Sent again, answered with a conflict: ambiguous, so the order is read back, once.
    assert reads_of(sandbox, order_id) == 1
    done = action(shop, action_id)
    assert (done.state, done.outcome) == ("done", f"the order is now {status}")
    assert stored(shop, order_id).status == status
    with shop.database.reading() as session:
        assert session.scalars(select(OutboxEntry.state)).all() == ["done"]


def test_given_an_accepted_order_when_some_lines_are_cancelled_then_they_are_cancelled(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    fetch_reasons(shop)
    line_id = stored(shop, order_id).lines[0].line_id
    action_id = ask(shop, order_id, "cancel_lines", reason="CustomerRequest", lines=[line_id])

    send(shop)

    assert action(shop, action_id).state == "done"
    line = next(line for line in sandbox.order(order_id)["lines"] if line["orderLineId"] == line_id)
    assert line["status"] == "Cancelled"


def test_given_an_order_refused_elsewhere_when_accept_is_sent_then_it_fails_with_the_reason(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    action_id = ask(shop, order_id, "accept")
    with seller_client(shop) as client:
        client.orders.refuse(order_id)  # from the marketplace's back office, meanwhile

    send(shop)

    failed = action(shop, action_id)
    assert failed.state == "failed"
    assert failed.outcome is not None
    assert "the order is now Refused" in failed.outcome
    assert stored(shop, order_id).status == "Refused"


def test_given_a_shipped_order_when_accept_is_asked_then_it_is_refused_and_nothing_recorded(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Shipped")
    run_until_success(shop)

    with pytest.raises(OrderActionError, match="Shipped"):
        ask(shop, order_id, "accept")
    with pytest.raises(OrderActionError, match="Shipped"):
        ask(shop, order_id, "cancel", reason="CustomerRequest")
    with shop.database.reading() as session:
        assert actions_of(session, stored(shop, order_id).id) == []


def test_given_an_accepted_order_when_shipped_then_it_is_refused_until_in_preparation(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    shipment = {"carrier": "Colissimo", "tracking_number": "6A1"}

    with pytest.raises(OrderActionError, match="Accepted") as refused:
        ask(shop, order_id, "ship", **shipment)

    assert "InPreparation" in (refused.value.hint or "")
    with shop.database.reading() as session:
        assert actions_of(session, stored(shop, order_id).id) == []


def test_given_a_cancellation_without_reason_when_asked_then_it_is_refused(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)

    with pytest.raises(OrderActionError, match="reason"):
        ask(shop, order_id, "cancel")
    with pytest.raises(OrderActionError, match="lines"):
        ask(shop, order_id, "cancel_lines", reason="CustomerRequest", lines=["not-a-line"])


def test_given_a_resync_when_sent_then_the_order_is_read_again(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1, status="Accepted")
    run_until_success(shop)
    sandbox_clock.advance(301)  # the marketplace moves it to InPreparation
    action_id = ask(shop, order_id, "resync")

    send(shop)

    assert action(shop, action_id).state == "done"
    assert stored(shop, order_id).status == "InPreparation"


def test_given_the_always_policy_when_new_orders_arrive_then_each_is_accepted_once(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    with shop.database.session() as session:
        set_acceptance_policy(session, 1, ALWAYS, shop.clock.now())
    new = sandbox.create_orders(3)
    run_until_success(shop)
    send(shop)
    sandbox_clock.advance(1)
    run_until_success(shop)  # the accepted orders come back: no second acceptance

    with shop.database.reading() as session:
        kinds = session.scalars(select(OrderAction.kind)).all()
    waiting_before = len(kinds)
    assert waiting_before >= 3
    assert kinds.count("accept") == waiting_before
    assert all(sandbox.order(order_id)["status"] == "Accepted" for order_id in new)
    assert all(stored(shop, order_id).status == "Accepted" for order_id in new)


def test_given_orders_noted_without_actions_when_one_is_asked_twice_then_the_second_is_refused(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    first, second = sandbox.create_orders(2)
    run_until_success(shop)
    with shop.database.session() as session:
        orders = [session.get_one(Order, stored(shop, each).id) for each in (first, second)]
        none_recorded_yet(session, [order.id for order in orders])
        recorded = record_many(
            session,
            [(order, "accept", {}) for order in orders],
            requested_by=None,
            now=shop.clock.now(),
        )
        assert [action.order_id for action in recorded] == [order.id for order in orders]
        # The note is dropped for an order given an action: the next request finds it pending.
        with pytest.raises(OrderActionError, match="already asked"):
            record_many(
                session, [(orders[0], "accept", {})], requested_by=None, now=shop.clock.now()
            )
        with pytest.raises(OrderActionError, match="already asked"):
            check(orders[1], "accept", {})


def test_given_a_note_of_an_earlier_transaction_when_checked_later_then_the_actions_are_read(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order_key = stored(shop, order_id).id
    with shop.database.session() as session:
        none_recorded_yet(session, [order_key])
    ask(shop, order_id, "accept")  # recorded in a transaction of its own

    with shop.database.session() as session:
        order = session.get_one(Order, order_key)
        none_recorded_yet(session, [])  # a new transaction: the earlier note is gone
        assert [action.kind for action in actions_of(session, order_key)] == ["accept"]
        with pytest.raises(OrderActionError, match="already asked"):
            check(order, "accept", {})


def test_given_a_server_error_on_one_acceptance_when_the_batch_is_sent_then_only_it_goes_again(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    new = three_asked_to_accept(shop, sandbox)
    # The second acceptance of the batch is answered 500: a POST, so the client does not repeat it.
    sandbox.add_fault(
        FaultRule(kind="status", endpoint="orders.approval", status=500, after=1, count=1)
    )

    report = shop.runner().run(1, "order_actions")

    # The marketplace answered the rest of the batch: the run went on and sent that one again
    # with the next batch (sent a few at once: any one of the three may meet the error).
    assert report.outcome == "succeeded", report.message
    assert report.counts["sent_again"] == 1
    sent = Counter(
        call["path"].split("/")[-2]
        for call in sandbox.requests()
        if call["endpoint"] == "orders.approval"
    )
    assert sorted(sent.values()) == [1, 1, 2]  # the refused call again, not the batch
    # Accepted, and perhaps moved on by the marketplace's own timer since.
    assert {sandbox.order(order_id)["status"] for order_id in new} <= {"Accepted", "InPreparation"}
    with shop.database.reading() as session:
        assert session.scalars(select(OrderAction.state)).all() == ["done"] * 3


def test_given_the_marketplace_failing_every_acceptance_when_sent_then_the_run_fails_and_waits(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    three_asked_to_accept(shop, sandbox)
    sandbox.add_fault(FaultRule(kind="status", endpoint="orders.approval", status=503, count=3))

    failed = shop.runner().run(1, "order_actions")
    with shop.database.reading() as session:
        during = session.scalars(select(OrderAction.state)).all()
    shop.clock.advance(600)  # type: ignore[attr-defined]  (past the failure policy's retry)
    send(shop)

    # Nothing answered: not sent again at once, the failure policy paces the retry.
    assert failed.outcome == "failed"
    assert during == ["pending"] * 3
    calls = [call for call in sandbox.requests() if call["endpoint"] == "orders.approval"]
    assert len(calls) == 6  # each once in the failed run, once after
    with shop.database.reading() as session:
        assert session.scalars(select(OrderAction.state)).all() == ["done"] * 3


def three_asked_to_accept(shop: JobEnvironment, sandbox: Sandbox) -> list[str]:
    """Three new orders, imported, each with an acceptance recorded (not sent yet)."""
    new = sandbox.create_orders(3)
    run_until_success(shop)
    for order_id in new:
        ask(shop, order_id, "accept")
    return new
