"""Redis down in the distributed runtime: the scheduler logs one line per try and waits longer
each time, instead of a traceback every tick."""

from __future__ import annotations

import logging

import pytest
from redis import Redis

from cdlink.jobs.backoff import Backoff
from cdlink.jobs.distributed import SchedulerLoop, build_broker
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.redis_faults import RedisUnavailableError, ensure_redis, redis_where
from tests.support.databases import REDIS_URL
from tests.support.faults import closed_port


def test_given_failures_in_a_row_when_backing_off_then_the_wait_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=60.0)

    waits = [backoff.failed() for _ in range(8)]
    backoff.succeeded()

    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff.delay == 1.0


def test_given_a_redis_url_with_a_password_when_named_then_only_host_and_port_show() -> None:
    assert redis_where("redis://:s3cret@cache.internal:6380/2") == "cache.internal:6380"
    assert redis_where("redis://localhost") == "localhost:6379"


def test_given_redis_down_when_the_scheduler_ticks_then_one_line_each_and_growing_waits(
    environment: JobEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:s3cret@127.0.0.1:{closed_port()}/0"
    environment.settings = environment.settings.model_copy(update={"redis_url": url})
    client = Redis.from_url(url)
    loop = SchedulerLoop(environment, build_broker(url, "cdlink-test-down"), client)

    with caplog.at_level(logging.WARNING, logger="cdlink.jobs.distributed"):
        waits = [loop.tick_once() for _ in range(4)]
    client.close()

    tick = environment.settings.sync_tick_seconds
    assert waits == [2 * tick, 4 * tick, 8 * tick, 16 * tick]
    records = [r for r in caplog.records if r.name == "cdlink.jobs.distributed"]
    assert len(records) == 4
    assert all(record.exc_info is None for record in records)
    assert "cannot reach Redis at 127.0.0.1:" in records[0].getMessage()
    assert "s3cret" not in caplog.text


@pytest.mark.redis
def test_given_redis_up_when_checked_at_start_then_it_passes_and_down_it_says_where() -> None:
    port = closed_port()
    ensure_redis(REDIS_URL)

    with pytest.raises(RedisUnavailableError, match=f"127.0.0.1:{port} \\(connection refused\\)"):
        ensure_redis(f"redis://127.0.0.1:{port}/0")
