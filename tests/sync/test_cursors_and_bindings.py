"""Cursors advance only with the data they describe; bindings are unique and races retry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cdlink.core.clock import ManualClock
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.store.models import Binding
from cdlink.sync.engine.bindings import Binder, payload_hash
from cdlink.sync.engine.cursors import Cursor
from cdlink.sync.engine.errors import BindingRaced
from cdlink.sync.engine.windows import Window
from tests.support.connections import add_connection
from tests.support.databases import postgres_database

HOUR = timedelta(hours=1)


def a_cursor(connection_id: int) -> Cursor:
    return Cursor(connection_id, "orders", history=4 * HOUR, lookback=timedelta(0), size=HOUR)


def test_given_a_new_cursor_when_planned_then_it_reaches_back_the_history_in_windows(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    with database.reading() as session:
        planned = a_cursor(connection_id).plan(session, clock.now())

    assert len(planned) == 4
    assert planned[0].start == clock.now() - 4 * HOUR
    assert planned[-1].end == clock.now()


def test_given_a_window_completed_in_a_rolled_back_transaction_then_the_cursor_has_not_moved(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    cursor = a_cursor(connection_id)
    window = Window(clock.now() - 4 * HOUR, clock.now() - 3 * HOUR)

    def commit_fails() -> None:
        with database.session() as session:
            cursor.complete(session, window, clock.now())
            raise RuntimeError("the data of the window failed to commit")

    with pytest.raises(RuntimeError):
        commit_fails()

    with database.reading() as session:
        assert cursor.finished(session) == []


def test_given_committed_windows_when_planned_again_then_reading_resumes_after_them(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    cursor = a_cursor(connection_id)
    with database.reading() as session:
        first, second, *_ = cursor.plan(session, clock.now())
    for window in (second, first):  # out of order on purpose: they still merge
        with database.session() as session:
            cursor.complete(session, window, clock.now())

    with database.reading() as session:
        assert cursor.finished(session) == [Window(first.start, second.end)]
        assert cursor.plan(session, clock.now())[0].start == second.end


def test_given_a_reset_cursor_when_planned_then_it_starts_over(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    cursor = a_cursor(connection_id)
    with database.session() as session:
        cursor.complete(session, Window(clock.now() - HOUR, clock.now()), clock.now())
    with database.session() as session:
        cursor.reset(session)

    with database.reading() as session:
        assert len(cursor.plan(session, clock.now())) == 4


def test_given_an_object_bound_by_another_run_when_bound_again_then_retry_later_not_duplicate(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    with database.session() as session:
        Binder(session, connection_id, clock).bind("order", "A-1", "local-1")

    # The second run decided "not bound yet" before the first committed, and binds too.
    with pytest.raises(BindingRaced), database.session() as session:
        Binder(session, connection_id, clock).bind("order", "A-1", "local-2")

    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Binding)) == 1
        assert Binder(session, connection_id, clock).to_internal("order", "A-1") == "local-1"


def test_given_the_same_external_id_when_bound_under_another_kind_then_both_bindings_exist(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    with database.session() as session:
        binder = Binder(session, connection_id, clock)
        binder.bind("order", "X", "order-1")
        binder.bind("offer", "X", "offer-1")

    with database.reading() as session:
        binder = Binder(session, connection_id, clock)
        assert binder.to_internal("order", "X") == "order-1"
        assert binder.to_internal("offer", "X") == "offer-1"
        assert binder.to_internal("order", "Y") is None


def test_given_a_bound_object_when_touched_then_sync_time_and_hash_are_recorded(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    with database.session() as session:
        Binder(session, connection_id, clock).bind("offer", "SKU-1", "SKU-1")
    clock.advance(60)
    with database.session() as session:
        binder = Binder(session, connection_id, clock)
        binding = binder.find("offer", "SKU-1")
        assert binding is not None
        binder.touch(binding, payload_hash=payload_hash({"stock": 3}))

    with database.reading() as session:
        binding = Binder(session, connection_id, clock).find("offer", "SKU-1")
        assert binding is not None
        assert binding.synced_at == clock.now()
        assert binding.payload_hash == payload_hash({"stock": 3}) != payload_hash({"stock": 4})


@pytest.mark.postgres
def test_given_two_transactions_binding_one_object_at_once_then_one_wins_and_one_retries_later(
    clock: ManualClock,
) -> None:
    # PostgreSQL only: on SQLite, BEGIN IMMEDIATE makes writers take turns, so the second
    # transaction already sees the first one's binding and this race cannot happen.
    with postgres_database() as url:
        database = Database(url)
        migrate.upgrade(database)
        connection_id = add_connection(database, clock)
        both_resolved = threading.Barrier(2)
        outcomes: list[str] = []

        def importer(local_id: str) -> None:
            try:
                with database.session() as session:
                    binder = Binder(session, connection_id, clock)
                    assert binder.to_internal("order", "A-1") is None
                    both_resolved.wait()
                    binder.bind("order", "A-1", local_id)
                outcomes.append("bound")
            except BindingRaced:
                outcomes.append("retry later")

        threads = [threading.Thread(target=importer, args=(f"local-{n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with database.reading() as session:
            count = session.scalar(select(func.count()).select_from(Binding))
        database.dispose()

    assert sorted(outcomes) == ["bound", "retry later"]
    assert count == 1


def test_given_a_write_that_breaks_another_rule_when_flushed_then_it_is_not_taken_for_a_race(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    def bind_to_a_missing_connection() -> None:
        with database.session() as session:
            Binder(session, connection_id + 100, clock).bind("order", "A-1", "local-1")

    with pytest.raises(IntegrityError) as caught:
        bind_to_a_missing_connection()

    assert not isinstance(caught.value, BindingRaced)


def test_given_an_overlap_when_runs_follow_then_the_whole_look_back_is_read_once_a_minute(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    """Most runs read the overlap again; the whole look-back (plus ``lookback_every``) is due
    when it was never recorded read, or a minute after it was."""
    cursor = Cursor(
        connection_id,
        "orders",
        history=4 * HOUR,
        lookback=timedelta(minutes=10),
        size=HOUR,
        overlap=timedelta(minutes=1),
        lookback_every=timedelta(minutes=1),
    )
    read_up_to = clock.now()
    with database.session() as session:
        cursor.complete(session, Window(read_up_to - HOUR, read_up_to), read_up_to)

    def next_span() -> Window | None:
        with database.reading() as session:
            due = cursor.lookback_due(session, clock.now())
            return cursor.span(session, clock.now(), whole=due)

    assert next_span() == Window(read_up_to - timedelta(minutes=11), clock.now())
    with database.session() as session:  # a run read it whole, up to now
        cursor.lookback_read(session, clock.now())
    clock.advance(59)
    assert next_span() == Window(read_up_to - timedelta(minutes=1), clock.now())
    clock.advance(1)
    assert next_span() == Window(read_up_to - timedelta(minutes=11), clock.now())


def test_given_an_overlap_longer_than_the_look_back_when_a_cursor_is_made_then_it_is_refused() -> (
    None
):
    with pytest.raises(ValueError, match="overlap"):
        Cursor(1, "orders", history=HOUR, lookback=timedelta(0), size=HOUR, overlap=timedelta(1))
