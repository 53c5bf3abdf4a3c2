"""Saving orders in the hub: out-of-order versions ignored, late data merged, history kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cdlink.core.clock import ManualClock
from cdlink.hub.orders.records import LineDraft, OrderDraft, save_order
from cdlink.store.engine import Database
from cdlink.store.models import Order
from tests.support.connections import add_connection

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def draft(status: str, minutes: int, **changes: object) -> OrderDraft:
    line = LineDraft(
        line_id="L1",
        status=status,
        quantity=2,
        unit_price=Decimal("19.99"),
        shipping_cost=Decimal("4.90"),
        total_amount=Decimal("44.88"),
        commission_amount=Decimal("3.60"),
        commission_rate=Decimal("0.1500"),
    )
    base = OrderDraft(
        marketplace_order_id="2603020900ABC",
        status=status,
        updated_at=T0 + timedelta(minutes=minutes),
        currency="EUR",
        lines=[line],
        purchased_at=T0,
        service_fees=[{"label": "Frais de paiement en 4 fois", "amount": "1.95"}],
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def saved(database: Database, clock: ManualClock, *drafts: OrderDraft) -> Order:
    connection_id = add_connection(database, clock)
    for version in drafts:
        with database.session() as session:
            save_order(session, connection_id, version, clock.now())
    with database.reading() as session:
        order = session.query(Order).one()
        _ = (order.lines, order.events)
        return order


def test_given_a_newer_version_stored_when_an_older_arrives_then_it_is_ignored(
    database: Database, clock: ManualClock
) -> None:
    order = saved(database, clock, draft("Accepted", 5), draft("WaitingAcceptance", 1))

    assert order.status == "Accepted"
    assert [event.status for event in order.events] == ["Accepted"]


def test_given_no_shipping_deadline_when_saved_then_estimated_until_the_marketplace_sends_one(
    database: Database, clock: ManualClock
) -> None:
    sent = T0 + timedelta(days=3)
    estimated = saved(database, clock, draft("WaitingAcceptance", 1))
    clock.advance(timedelta(minutes=5))
    corrected = saved_again(database, clock, draft("InPreparation", 2, shipping_deadline=sent))

    assert estimated.shipping_deadline == T0 + timedelta(days=4)
    assert estimated.shipping_deadline_estimated
    assert corrected.shipping_deadline == sent
    assert not corrected.shipping_deadline_estimated


def saved_again(database: Database, clock: ManualClock, version: OrderDraft) -> Order:
    """``version`` saved over the one order stored (of the first connection)."""
    with database.session() as session:
        order = session.query(Order).one()
        save_order(session, order.connection_id, version, clock.now())
    with database.reading() as session:
        return session.query(Order).one()


def test_given_an_address_known_when_a_version_lacks_it_then_it_is_kept(
    database: Database, clock: ManualClock
) -> None:
    address = {"first_name": "Ada", "city": "Lyon"}
    order = saved(
        database,
        clock,
        draft("WaitingAcceptance", 1),
        draft("InPreparation", 2, shipping_address=address),
        draft("Shipped", 3),
    )

    assert order.shipping_address == address
    assert [event.status for event in order.events if event.line_id is None] == [
        "WaitingAcceptance",
        "InPreparation",
        "Shipped",
    ]


def test_given_amounts_when_saved_then_they_come_back_as_exact_decimals(
    database: Database, clock: ManualClock
) -> None:
    order = saved(database, clock, draft("Accepted", 1))

    assert order.service_fees_amount == Decimal("1.95")
    assert order.acceptance_deadline == T0 + timedelta(days=2)
    [line] = order.lines
    assert (line.unit_price, line.total_amount) == (Decimal("19.99"), Decimal("44.88"))
    assert line.commission_rate == Decimal("0.1500")
