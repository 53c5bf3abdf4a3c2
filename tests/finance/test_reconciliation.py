"""Payout reconciliation on the store alone: a marketplace that is right always reconciles
(property test), and each kind of difference is found, once, and no other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.finance import queries
from cdlink.hub.finance.figures import order_finance
from cdlink.hub.finance.reconciliation import reconcile
from cdlink.hub.finance.records import OperationDraft, save_operations, save_payouts
from cdlink.store.engine import Database
from cdlink.store.models import (
    FinanceDifference,
    FinancePayout,
    Order,
    ProductCost,
    StreamCursor,
)
from tests.support.connections import add_connection
from tests.support.finance import LineSpec, OrderSpec, add_order, payouts_of, right_operations

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
rates = st.sampled_from([Decimal("5"), Decimal("8.5"), Decimal("12"), Decimal("15.75")])


@st.composite
def order_specs(draw: st.DrawFn) -> list[OrderSpec]:
    count = draw(st.integers(min_value=1, max_value=8))
    specs = []
    for number in range(count):
        lines = [
            LineSpec(f"{index}", draw(amounts), draw(rates))
            for index in range(1, draw(st.integers(min_value=1, max_value=3)) + 1)
        ]
        refunded = draw(st.lists(st.sampled_from([line.line_id for line in lines]), unique=True))
        gesture = draw(
            st.none() | st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2)
        )
        specs.append(
            OrderSpec(
                f"26050{number:05d}ABCDE",
                lines,
                NOW - timedelta(days=draw(st.integers(min_value=2, max_value=60))),
                delivered=draw(st.booleans()),
                refunded_lines=refunded,
                gesture=gesture,
            )
        )
    return specs


def _load(
    database: Database, clock: ManualClock, specs: list[OrderSpec], *, unsigned: bool = False
) -> int:
    connection_id = add_connection(database, clock, name=f"Shop{clock.now().timestamp()}")
    clock.advance(1)
    with database.session() as session:
        drafts = []
        for spec in specs:
            add_order(session, connection_id, spec, NOW)
            drafts += right_operations(spec, NOW)
        save_operations(session, connection_id, drafts, NOW)
        for payout in save_payouts(
            session, connection_id, payouts_of(drafts, unsigned=unsigned), NOW
        ):
            payout.operations_read_state = payout.state
    return connection_id


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=order_specs(), unsigned=st.booleans())
def test_given_random_orders_refunds_and_gestures_when_the_marketplace_is_right_then_all_reconcile(
    database: Database, clock: ManualClock, specs: list[OrderSpec], unsigned: bool
) -> None:
    connection_id = _load(database, clock, specs, unsigned=unsigned)
    with database.session() as session:
        report = reconcile(session, connection_id, NOW, batch=7)
        rows = session.scalars(
            select(FinanceDifference).where(FinanceDifference.connection_id == connection_id)
        ).all()

        assert [(row.kind, row.reference) for row in rows] == []
        assert report.payouts == report.payouts_matching
        expected = sum(
            (d.amount for spec in specs for d in right_operations(spec, NOW)), Decimal(0)
        )
        assert Decimal(report.total_cents) / 100 == expected
        nets = Decimal(0)
        for spec in specs:
            order = session.scalars(
                select(Order).where(
                    Order.connection_id == connection_id,
                    Order.marketplace_order_id == spec.order_id,
                )
            ).one()
            figures = order_finance(session, order)
            nets += figures.net
            for line in figures.lines:
                if line.sales:
                    assert line.charged_commission == line.expected_commission
        assert nets == expected


def _differences(database: Database, connection_id: int) -> set[tuple[str, str]]:
    with database.session() as session:
        reconcile(session, connection_id, NOW)
    with database.reading() as session:
        rows = session.scalars(
            select(FinanceDifference).where(FinanceDifference.connection_id == connection_id)
        )
        return {(row.kind, row.reference) for row in rows}


SPEC = OrderSpec(
    "2605010000AAAA", [LineSpec("1", Decimal("100.00"), Decimal("10"))], NOW - timedelta(days=30)
)


def test_given_a_commission_at_the_wrong_rate_then_it_is_the_one_difference(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "C-extra",
                    "Commission",
                    NOW - timedelta(days=3),
                    Decimal("-12.00"),
                    marketplace_order_id=SPEC.order_id,
                    order_line_id="1",
                    commission=Decimal("12.00"),
                )
            ],
            NOW,
        )
    found = _differences(database, connection_id)
    assert found == {("commission", "C-extra")}


def test_given_a_sale_never_paid_then_it_is_listed_after_its_payout_day(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "S-blocked",
                    "Sale",
                    NOW - timedelta(days=20),
                    Decimal("5.00"),
                    marketplace_order_id=SPEC.order_id,
                    order_line_id="1",
                    release_payment_date=NOW - timedelta(days=15),
                    payment_state="Blocked",
                )
            ],
            NOW,
        )
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "S-recent",
                    "Sale",
                    NOW - timedelta(days=2),
                    Decimal("5.00"),
                    marketplace_order_id=SPEC.order_id,
                    order_line_id="1",
                    release_payment_date=NOW - timedelta(hours=30),
                )
            ],
            NOW,
        )
    found = _differences(database, connection_id)
    assert found == {("unpaid_sale", "S-blocked")}


def test_given_a_refund_cdlink_did_not_ask_then_it_is_listed(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "G-surprise",
                    "Refund",
                    NOW - timedelta(days=3),
                    Decimal("-7.50"),
                    marketplace_order_id=SPEC.order_id,
                )
            ],
            NOW,
        )
    assert _differences(database, connection_id) == {("unexplained_refund", "G-surprise")}


def test_given_operations_of_unknown_orders_and_lines_then_each_is_listed(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:  # the orders stream has read up to now
        window = [(NOW - timedelta(days=90)).isoformat(), NOW.isoformat()]
        session.add(
            StreamCursor(
                connection_id=connection_id, stream="orders", windows=[window], updated_at=NOW
            )
        )
    with database.session() as session:
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "S-ghost",
                    "Sale",
                    NOW - timedelta(days=3),
                    Decimal("9.00"),
                    marketplace_order_id="2699999999ZZZZ",
                    order_line_id="1",
                ),
                OperationDraft(
                    "S-line",
                    "Sale",
                    NOW - timedelta(days=3),
                    Decimal("9.00"),
                    marketplace_order_id=SPEC.order_id,
                    order_line_id="7",
                ),
            ],
            NOW,
        )
    assert _differences(database, connection_id) == {
        ("unknown_order", "S-ghost"),
        ("unmatched_sale", "S-line"),
    }


def test_given_orders_not_imported_yet_then_their_operations_are_not_called_unknown(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        save_operations(
            session,
            connection_id,
            [
                OperationDraft(
                    "S-early",
                    "Sale",
                    NOW - timedelta(days=3),
                    Decimal("9.00"),
                    marketplace_order_id="2699999999ZZZZ",
                    order_line_id="1",
                )
            ],
            NOW,
        )
    assert _differences(database, connection_id) == set()


def test_given_a_payout_above_its_operations_then_it_is_listed_and_resolved_when_right(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        payout = session.scalars(
            select(FinancePayout).where(FinancePayout.connection_id == connection_id)
        ).one()
        payout.reported_cents += 1
        payment_id = payout.payment_id
    assert _differences(database, connection_id) == {("payout", payment_id)}
    with database.session() as session:
        view = queries.payouts(session, connection_id=connection_id)[0]
        assert view.difference == Decimal("0.01")
        assert view.matches is False
        session.get_one(FinancePayout, view.id).reported_cents -= 1
    assert _differences(database, connection_id) == set()


def test_given_a_cost_price_then_the_order_shows_its_margin(
    database: Database, clock: ManualClock
) -> None:
    connection_id = _load(database, clock, [SPEC])
    with database.session() as session:
        order = session.scalars(select(Order).where(Order.connection_id == connection_id)).one()
        assert order_finance(session, order).margin is None
        session.add(
            ProductCost(seller_sku="SKU-1", cost=Decimal("60.00"), currency="EUR", updated_at=NOW)
        )
        session.flush()
        figures = order_finance(session, order)
        assert figures.net == Decimal("90.00")
        assert figures.margin == Decimal("30.00")
