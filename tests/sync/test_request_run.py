"""Asking for a run (``cdlink.store.schedules``): one implementation for the sync engine and the
back office, and a wake-up called only once the transaction that asked has committed."""

from __future__ import annotations

import pytest

from cdlink.core.clock import ManualClock
from cdlink.hub.webhooks.events import STREAM, wake
from cdlink.store.engine import Database
from cdlink.store.models import StreamSchedule
from cdlink.store.schedules import on_requested, request_run
from cdlink.sync.engine import schedules


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_given_a_listener_when_a_request_commits_then_it_is_called_once_after_the_commit(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    calls = Calls()
    stop = on_requested(database.sessions, calls)
    try:
        with database.session() as session:
            request_run(session, connection_id, "orders", now=clock.now(), trigger="event")
            request_run(session, connection_id, "stock", now=clock.now(), trigger="event")
            before_the_commit = calls.count
        after_the_commit = calls.count
        with database.session() as session:
            session.get_one(StreamSchedule, (connection_id, "orders"))
        after_a_commit_without_request = calls.count
    finally:
        stop()
    with database.session() as session:
        request_run(session, connection_id, "orders", now=clock.now(), trigger="manual")

    assert (before_the_commit, after_the_commit, after_a_commit_without_request) == (0, 1, 1)
    assert calls.count == 1  # stopped: not called any more


def failing_change(database: Database, clock: ManualClock, connection_id: int) -> None:
    with database.session() as session:
        request_run(session, connection_id, "orders", now=clock.now(), trigger="event")
        raise RuntimeError("the change failed")


def test_given_a_listener_when_the_request_rolls_back_then_it_is_not_called(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    calls = Calls()
    stop = on_requested(database.sessions, calls)
    try:
        with pytest.raises(RuntimeError):
            failing_change(database, clock, connection_id)
        with database.session() as session:
            session.get(StreamSchedule, (connection_id, "orders"))
    finally:
        stop()

    assert calls.count == 0
    with database.reading() as session:
        assert session.get(StreamSchedule, (connection_id, "orders")) is None


def test_given_a_webhook_event_when_it_wakes_the_stream_then_the_engine_request_is_the_same_row(
    database: Database, clock: ManualClock, connection_id: int
) -> None:
    with database.session() as session:
        chosen = wake(session, connection_id, clock.now())
        schedules.request_run(session, connection_id, STREAM, now=clock.now(), trigger="manual")

    with database.reading() as session:
        rows = session.query(StreamSchedule).filter_by(stream=STREAM).all()
    assert chosen == connection_id
    assert [(row.requested_at, row.requested_trigger) for row in rows] == [(clock.now(), "manual")]
    assert schedules.request_run is request_run
