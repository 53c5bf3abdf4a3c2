"""Initial imports against the in-process sandbox: progress, crash and resume, data types."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.hub.orders import initial_imports
from cdlink.hub.orders.initial_imports import InitialImportError, day_range, progress, start_import
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import InitialImport, Order
from cdlink.sync.engine.bindings import raced
from cdlink.sync.engine.errors import BindingRaced
from cdlink.sync.engine.failures import DEFAULT_POLICY
from cdlink.sync.engine.windows import WindowPolicy
from cdlink.sync.orders.history import (
    MAXIMUM_FAILURES,
    OrdersHistoryImporter,
    retry_history_import,
)
from tests.support.orders import binding_count, local_order_ids, marketplace_orders

HISTORY_DAYS = 10


@pytest.fixture
def six_hour_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows of six hours whatever they hold: the small shop's import then has many windows
    (adaptive windows read its 25 orders in one), so it can fail between two of them."""
    fixed = WindowPolicy.fixed(timedelta(hours=6))
    monkeypatch.setattr(OrdersHistoryImporter, "window_policy", fixed)


def request_import(
    shop: JobEnvironment, *, days: int = HISTORY_DAYS, customers: bool = True
) -> int:
    today = shop.clock.now().date()
    start, end = day_range(today - timedelta(days=days), today, today)
    with shop.database.session() as session:
        record = start_import(
            session, 1, start, end, customers=customers, requested_by="test", now=shop.clock.now()
        )
        return record.id


def the_import(shop: JobEnvironment, import_id: int) -> InitialImport:
    with shop.database.reading() as session:
        return session.get_one(InitialImport, import_id)


def run_history(shop: JobEnvironment) -> str:
    report = shop.runner().run(1, "orders_history")
    return report.outcome


def assert_each_order_once(shop: JobEnvironment, sandbox: Sandbox) -> None:
    imported = local_order_ids(shop.database)
    expected = marketplace_orders(sandbox)
    assert len(imported) == len(set(imported))
    assert set(imported) == set(expected)
    assert binding_count(shop.database) == len(expected)


def test_given_a_shop_with_history_when_an_initial_import_runs_then_every_order_is_imported_once(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    import_id = request_import(shop)
    assert the_import(shop, import_id).state == "queued"

    assert run_history(shop) == "succeeded"

    record = the_import(shop, import_id)
    expected = len(marketplace_orders(sandbox))
    assert (record.state, record.total, record.done, record.imported) == (
        "done",
        expected,
        expected,
        expected,
    )
    assert progress(record, shop.clock.now()).percent == 100
    assert_each_order_once(shop, sandbox)


def test_given_an_import_that_crashes_midway_when_it_runs_again_then_it_resumes_without_duplicates(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock, six_hour_windows: None
) -> None:
    import_id = request_import(shop)
    expected = len(marketplace_orders(sandbox))
    # The marketplace stops answering after a few windows, longer than the client's retries.
    sandbox.add_fault(
        {"kind": "status", "endpoint": "orders.list", "status": 503, "after": 20, "count": 50}
    )

    assert run_history(shop) == "failed"
    crashed = the_import(shop, import_id)
    assert crashed.state == "running"
    assert crashed.total == expected
    assert 0 < crashed.done < expected  # the committed windows, and only them
    assert crashed.reached is not None
    assert crashed.error is not None
    assert len(local_order_ids(shop.database)) == crashed.done
    reached = crashed.reached

    sandbox.clear_faults()
    sandbox_clock.advance(120)  # past the failure policy's wait
    assert run_history(shop) == "succeeded"

    record = the_import(shop, import_id)
    assert (record.state, record.done, record.imported) == ("done", expected, expected)
    assert record.reached is not None
    assert record.reached > reached
    assert record.error is None
    assert_each_order_once(shop, sandbox)


@pytest.mark.slow
def test_given_the_live_stream_imported_orders_when_history_imports_then_none_is_doubled(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    assert shop.runner().run(1, "orders").outcome == "succeeded"
    import_id = request_import(shop)

    assert run_history(shop) == "succeeded"

    record = the_import(shop, import_id)
    assert record.done == record.total
    assert record.imported == 0  # every order was already there: updated, not created
    assert_each_order_once(shop, sandbox)


def test_given_customers_unchecked_when_history_imports_then_orders_have_no_customer_identity(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    request_import(shop, customers=False)

    assert run_history(shop) == "succeeded"

    with shop.database.reading() as session:
        orders = list(session.scalars(select(Order)))
        assert orders
        for order in orders:
            assert (order.customer_name, order.customer_email) == (None, None)
            assert (order.billing_address, order.shipping_address) == (None, None)
            assert order.customer_reference  # the anonymised reference stays
            assert order.lines


def test_given_a_cancelled_import_when_the_stream_runs_then_nothing_is_imported(
    shop: JobEnvironment,
) -> None:
    import_id = request_import(shop)
    with shop.database.session() as session:
        initial_imports.cancel_import(session.get_one(InitialImport, import_id), shop.clock.now())

    assert run_history(shop) == "succeeded"

    assert the_import(shop, import_id).state == "cancelled"
    assert local_order_ids(shop.database) == []


def test_given_two_imports_when_the_stream_runs_then_it_works_through_them_in_turn(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    first = request_import(shop, days=3)
    second = request_import(shop)

    assert run_history(shop) == "succeeded"
    assert (the_import(shop, first).state, the_import(shop, second).state) == ("done", "queued")
    assert run_history(shop) == "succeeded"

    assert the_import(shop, second).state == "done"
    assert_each_order_once(shop, sandbox)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 3, 5), date(2026, 3, 1), "after the last day"),
        (date(2026, 3, 1), date(2026, 3, 9), "in the future"),
        (date(2023, 1, 1), date(2026, 3, 1), "more than two years"),
    ],
)
def test_given_a_bad_range_when_an_import_is_asked_then_it_is_refused_with_the_reason(
    first: date, last: date, message: str
) -> None:
    with pytest.raises(InitialImportError, match=message):
        day_range(first, last, date(2026, 3, 2))


def test_given_a_running_import_then_the_progress_tells_the_percent_and_the_time_left(
    shop: JobEnvironment,
) -> None:
    import_id = request_import(shop)
    with shop.database.session() as session:
        record = session.get_one(InitialImport, import_id)
        record.state, record.started_at = "running", shop.clock.now()
        record.total, record.done = 200, 50
        now = shop.clock.now() + timedelta(seconds=30)
        shown = progress(record, now)
        session.rollback()

    assert (shown.percent, shown.eta_seconds) == (25, 90)


def test_given_an_import_failing_again_and_again_when_resumed_then_it_finishes_from_where_it_was(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock, six_hour_windows: None
) -> None:
    import_id = request_import(shop)
    sandbox.add_fault({"kind": "status", "endpoint": "orders.list", "status": 503, "after": 24})
    for _ in range(MAXIMUM_FAILURES):
        assert run_history(shop) in ("failed", "dead")
        sandbox_clock.advance(3600)  # past any retry wait
    failed = the_import(shop, import_id)
    assert failed.state == "failed"
    assert failed.failures == MAXIMUM_FAILURES
    assert 0 < failed.done < (failed.total or 0)

    sandbox.clear_faults()
    with shop.database.session() as session:
        retry_history_import(session, session.get_one(InitialImport, import_id), shop.clock.now())
    assert the_import(shop, import_id).state == "running"
    assert run_history(shop) == "succeeded"

    record = the_import(shop, import_id)
    assert (record.state, record.done) == ("done", record.total)
    assert_each_order_once(shop, sandbox)


def test_given_the_same_order_stored_twice_then_the_refusal_is_a_race_retried_soon(
    shop: JobEnvironment,
) -> None:
    def store(session: Session, marketplace_id: str, currency: str | None) -> None:
        now = shop.clock.now()
        session.add(
            Order(
                connection_id=1,
                marketplace_order_id=marketplace_id,
                status="Accepted",
                marketplace_updated_at=now,
                currency=currency,
                service_fees_amount=Decimal(0),
                imported_at=now,
                updated_at=now,
            )
        )
        session.flush()

    with shop.database.session() as session:
        store(session, "A1", "EUR")
    with pytest.raises(IntegrityError) as duplicate, shop.database.session() as session:
        store(session, "A1", "EUR")
    with pytest.raises(IntegrityError) as broken, shop.database.session() as session:
        store(session, "A2", None)

    assert isinstance(raced(duplicate.value, "an order"), BindingRaced)
    assert DEFAULT_POLICY.resolve(raced(duplicate.value, "an order")).action == "retry_soon"
    assert raced(broken.value, "an order") is broken.value  # not a race: a broken record
