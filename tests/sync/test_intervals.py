"""Changing a stream's interval takes effect at once, not after the run the old one planned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest
from cdlink.jobs.scheduler import Scheduler
from cdlink.store.models import StreamSchedule
from cdlink.sync.engine import schedules

STREAM = "test_orders"  # hourly by default


@pytest.fixture
def hourly(environment: JobEnvironment, connection_id: int) -> Scheduler:
    """The stream ran just now on its hourly interval (no jitter): next due in an hour."""
    environment.settings = environment.settings.model_copy(update={"sync_jitter": 0.0})
    assert environment.runner().run(connection_id, STREAM).outcome == "succeeded"
    return Scheduler(environment)


def choose(environment: JobEnvironment, connection_id: int, choice: str) -> None:
    with environment.database.session() as session:
        schedules.set_interval(
            session,
            connection_id,
            STREAM,
            choice,
            continuous=environment.settings.sync_continuous_seconds,
            now=environment.clock.now(),
        )


def next_run(environment: JobEnvironment, connection_id: int) -> object:
    with environment.database.reading() as session:
        return session.get_one(StreamSchedule, (connection_id, STREAM)).next_run_at


def test_given_an_hourly_stream_when_set_to_15_minutes_then_it_runs_15_minutes_after_its_last_run(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, hourly: Scheduler
) -> None:
    ran_at = clock.now()

    choose(environment, connection_id, "15m")

    assert next_run(environment, connection_id) == ran_at + timedelta(minutes=15)
    assert hourly.tick() == []
    clock.advance(15 * 60)
    assert hourly.tick() == [JobRequest(connection_id, STREAM, "schedule")]


def test_given_an_hourly_stream_when_set_to_continuous_then_it_is_due_at_once(
    environment: JobEnvironment, connection_id: int, hourly: Scheduler
) -> None:
    choose(environment, connection_id, "continuous")

    assert hourly.tick() == [JobRequest(connection_id, STREAM, "schedule")]


def test_given_a_5_minute_stream_when_set_to_an_hour_then_its_next_run_stays(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, hourly: Scheduler
) -> None:
    ran_at = clock.now()
    choose(environment, connection_id, "5m")

    choose(environment, connection_id, "60m")

    assert next_run(environment, connection_id) == ran_at + timedelta(minutes=5)


def test_given_a_stream_waiting_to_retry_when_its_interval_shrinks_then_the_backoff_stands(
    environment: JobEnvironment, clock: ManualClock, connection_id: int, hourly: Scheduler
) -> None:
    retry_at = clock.now() + timedelta(minutes=40)
    with environment.database.session() as session:
        row = session.get_one(StreamSchedule, (connection_id, STREAM))
        row.last_outcome, row.next_run_at = "failed", retry_at

    choose(environment, connection_id, "5m")

    assert next_run(environment, connection_id) == retry_at
