"""Per-connection import settings against the sandbox: status and date filters, cancellation
reasons fetched and checked, payment labels, and each order's sync events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.orders import payment_methods
from cdlink.hub.orders.actions import OrderActionError
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.hub.orders.import_filters import ImportFilterError, import_filter
from cdlink.hub.orders.records import OrderDraft
from cdlink.hub.orders.sync_events import events_of, save_with_events
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import InitialImport, Order
from cdlink.sync.orders.history import change_import_filter
from tests.support.orders import ask, local_order_ids, marketplace_orders, run_until_success, stored


def set_filter(
    shop: JobEnvironment, statuses: list[str] | None, *, days: int | None = None
) -> InitialImport | None:
    since = shop.clock.now() - timedelta(days=days) if days is not None else None
    with shop.database.session() as session:
        record = change_import_filter(
            session, 1, statuses, since, requested_by="test", now=shop.clock.now()
        )
        if record is not None:
            session.expunge(record)
        return record


def test_given_a_status_filter_when_orders_import_then_other_statuses_are_not_imported(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    set_filter(shop, ["WaitingAcceptance", "Accepted"])

    report = shop.runner().run(1, "orders")

    expected = marketplace_orders(sandbox)
    wanted = {
        key for key, status in expected.items() if status in ("WaitingAcceptance", "Accepted")
    }
    assert wanted
    assert wanted != set(expected)
    assert set(local_order_ids(shop.database)) == wanted
    assert report.counts["filtered"] >= len(expected) - len(wanted)  # a boundary reads twice


def test_given_an_imported_order_when_it_leaves_the_filtered_statuses_then_it_keeps_updating(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    set_filter(shop, ["WaitingAcceptance"])
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    with shop.database.reading() as session:
        assert stored(shop, order_id).status == "WaitingAcceptance"
        assert import_filter(session, 1).statuses == frozenset({"WaitingAcceptance"})

    ask(shop, order_id, "accept")
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    sandbox_clock.advance(60)
    run_until_success(shop)

    assert stored(shop, order_id).status == "Accepted"  # kept, and still followed


def test_given_a_purchase_date_filter_then_older_orders_are_not_imported(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    set_filter(shop, None, days=2)

    run_until_success(shop)

    since = shop.clock.now() - timedelta(days=2)
    with shop.database.reading() as session:
        bought = list(session.scalars(select(Order.purchased_at)))
    assert bought
    assert all(moment is not None and moment >= since for moment in bought)
    assert len(bought) < len(marketplace_orders(sandbox))


@pytest.mark.slow
def test_given_a_widened_filter_then_a_backfill_imports_the_orders_now_allowed_exactly_once(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    set_filter(shop, ["WaitingAcceptance"])
    run_until_success(shop)
    narrow = set(local_order_ids(shop.database))

    backfill = set_filter(shop, None)

    assert backfill is not None
    assert backfill.state == "queued"
    assert shop.runner().run(1, "orders_history").outcome == "succeeded"
    imported = local_order_ids(shop.database)
    assert len(imported) == len(set(imported))
    assert set(imported) == set(marketplace_orders(sandbox))
    assert narrow < set(imported)


def test_given_a_narrowed_filter_then_no_order_is_deleted_and_no_backfill_is_queued(
    shop: JobEnvironment,
) -> None:
    run_until_success(shop)
    before = set(local_order_ids(shop.database))

    assert set_filter(shop, ["Accepted"]) is None
    run_until_success(shop)

    assert set(local_order_ids(shop.database)) == before


def test_given_bad_filters_then_they_are_refused_and_nothing_changes(shop: JobEnvironment) -> None:
    with pytest.raises(ImportFilterError, match="unknown order status"):
        set_filter(shop, ["Teleported"])
    with pytest.raises(ImportFilterError, match="at least one status"):
        set_filter(shop, [])
    with shop.database.reading() as session:
        assert import_filter(session, 1).is_open


def test_given_reasons_fetched_then_they_are_cached_per_status_and_a_cancel_is_checked(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    with pytest.raises(OrderActionError, match="not known yet"):
        ask(shop, order_id, "cancel", reason="CustomerRequest")

    report = shop.runner().run(1, "cancellation_reasons")

    assert report.outcome == "succeeded", report.message
    with shop.database.reading() as session:
        waiting = [reason.code for reason in reasons_for(session, 1, "WaitingAcceptance")]
        preparing = [reason.code for reason in reasons_for(session, 1, "InPreparation")]
    assert "CustomerRequest" in waiting
    assert "ProductDamaged" not in waiting  # the marketplace offers it only later
    assert "UndeliverableAddress" in preparing
    with pytest.raises(OrderActionError, match="ProductDamaged"):
        ask(shop, order_id, "cancel", reason="ProductDamaged")
    assert ask(shop, order_id, "cancel", reason="CustomerRequest") > 0


def test_given_a_refresh_then_the_cache_is_replaced_not_doubled(shop: JobEnvironment) -> None:
    assert shop.runner().run(1, "cancellation_reasons").outcome == "succeeded"
    with shop.database.reading() as session:
        first = reasons_for(session, 1, "Accepted")

    assert shop.runner().run(1, "cancellation_reasons", trigger="manual").outcome == "succeeded"

    with shop.database.reading() as session:
        assert reasons_for(session, 1, "Accepted") == first


def test_given_labels_then_methods_show_the_seller_label_and_unknown_ones_are_kept(
    shop: JobEnvironment,
) -> None:
    run_until_success(shop)
    now = shop.clock.now()
    with shop.database.session() as session:
        session.scalars(select(Order)).first().payment_method = "GiftCard"  # type: ignore[union-attr]
    with shop.database.session() as session:
        found = payment_methods.set_labels(
            session, 1, {"Card": " Carte bancaire ", "PayPal": ""}, now
        )
        methods = payment_methods.methods(session, 1)

    assert found == {"Card": "Carte bancaire"}
    assert methods[:3] == ["Card", "PayPal", "Installments"]
    assert "GiftCard" in methods
    assert payment_methods.label_for(found, "Card") == "Carte bancaire"
    assert payment_methods.label_for(found, "GiftCard") == "GiftCard"
    with shop.database.session() as session:
        with pytest.raises(payment_methods.PaymentLabelError):
            payment_methods.set_labels(session, 1, {"Card": "x" * 121}, now)
        assert payment_methods.labels(session, 1) == {"Card": "Carte bancaire"}


def test_given_an_order_imported_then_changed_then_its_sync_events_say_what_changed(
    shop: JobEnvironment, sandbox: Sandbox, sandbox_clock: ManualClock
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    sandbox_clock.advance(60)
    run_until_success(shop)  # the look-back reads it again unchanged: no event
    ask(shop, order_id, "accept")
    assert shop.runner().run(1, "order_actions").outcome == "succeeded"
    sandbox_clock.advance(1)
    run_until_success(shop)  # the accepted order's new status comes with the orders stream

    with shop.database.reading() as session:
        events = events_of(session, stored(shop, order_id).id)
    assert [(event.kind, event.stream) for event in events] == [
        ("imported", "orders"),
        ("updated", "orders"),
    ]
    assert "status" in events[1].changed_fields
    assert events[0].run_id is not None


def test_given_a_filter_when_reconciled_then_orders_it_keeps_out_are_not_missing(
    shop: JobEnvironment,
) -> None:
    set_filter(shop, ["Delivered"])
    run_until_success(shop)
    before = set(local_order_ids(shop.database))

    report = shop.runner().run(1, "orders_reconciliation")

    assert report.outcome == "succeeded", report.message
    assert (report.counts["missing"], report.counts["healed"]) == (0, 0)
    assert set(local_order_ids(shop.database)) == before


def test_given_an_older_version_when_saved_then_an_ignored_event_is_recorded(
    shop: JobEnvironment, sandbox: Sandbox
) -> None:
    [order_id] = sandbox.create_orders(1)
    run_until_success(shop)
    order = stored(shop, order_id)
    older = OrderDraft(
        marketplace_order_id=order_id,
        status="Cancelled",
        updated_at=order.marketplace_updated_at - timedelta(hours=1),
        currency="EUR",
        lines=[],
    )

    with shop.database.session() as session:
        save_with_events(session, 1, older, shop.clock.now(), stream="orders")

    with shop.database.reading() as session:
        events = events_of(session, order.id)
        assert [event.kind for event in events] == ["imported", "ignored"]
    assert stored(shop, order_id).status == "WaitingAcceptance"
