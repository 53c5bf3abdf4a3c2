"""The distributed runtime against the real local Redis: leader election, actors, workers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.jobs.distributed import QUEUE, SchedulerLoop, Worker, build_broker
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest
from cdlink.jobs.leader import LeaderLock
from cdlink.store.models import SyncRun
from tests.support.databases import REDIS_URL
from tests.support.sync_tables import local_records, publish

pytestmark = pytest.mark.redis


def test_given_two_schedulers_when_they_compete_then_one_leads_until_it_stops_renewing(
    redis_client: Redis, redis_namespace: str
) -> None:
    key = f"{redis_namespace}:leader"
    first = LeaderLock(redis_client, key, ttl_seconds=0.3)
    second = LeaderLock(redis_client, key, ttl_seconds=0.3)

    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewing keeps the lead
    time.sleep(0.4)  # the leader stopped renewing (it died): its key expires
    assert second.hold()
    assert not first.hold()  # the old leader notices it lost the lead
    second.release()
    assert first.hold()


def test_given_a_scheduler_and_a_worker_when_a_stream_is_due_then_the_worker_runs_it_once(
    environment: JobEnvironment,
    clock: ManualClock,
    connection_id: int,
    redis_client: Redis,
    redis_namespace: str,
) -> None:
    environment.settings = environment.settings.model_copy(
        update={"sync_redis_namespace": redis_namespace}
    )
    publish(
        environment.database,
        [(f"O-{n}", clock.now() - n * timedelta(minutes=9), n) for n in range(1, 5)],
    )
    scheduler = SchedulerLoop(environment, build_broker(REDIS_URL, redis_namespace), redis_client)
    worker_broker = build_broker(REDIS_URL, redis_namespace)
    worker = Worker(environment, worker_broker, threads=1)

    sent = scheduler.tick()
    again = scheduler.tick()  # the identity key: not queued twice
    worker.start()
    try:
        worker_broker.join(QUEUE, timeout=30_000)
        worker.worker.join()
    finally:
        worker.stop()
        scheduler.actor.actor.broker.close()

    assert [request.stream for request in sent] == ["test_orders"]
    assert again == []
    assert sorted(local_records(environment.database)) == [(f"O-{n}", n) for n in range(1, 5)]
    with environment.database.reading() as session:
        assert session.scalars(select(SyncRun.outcome)).all() == ["succeeded"]


def test_given_a_follower_scheduler_when_ticked_then_it_sends_nothing(
    environment: JobEnvironment, connection_id: int, redis_client: Redis, redis_namespace: str
) -> None:
    environment.settings = environment.settings.model_copy(
        update={"sync_redis_namespace": redis_namespace}
    )
    leader = SchedulerLoop(environment, build_broker(REDIS_URL, redis_namespace), redis_client)
    follower = SchedulerLoop(environment, build_broker(REDIS_URL, redis_namespace), redis_client)

    try:
        assert [r.stream for r in leader.tick()] == ["test_orders"]
        assert follower.tick() == []
    finally:
        for loop in (leader, follower):
            loop.actor.actor.broker.close()


def test_given_an_unreachable_broker_when_sending_then_the_stream_is_due_at_the_next_tick(
    environment: JobEnvironment, connection_id: int, redis_client: Redis, redis_namespace: str
) -> None:
    environment.settings = environment.settings.model_copy(
        update={"sync_redis_namespace": redis_namespace}
    )
    broker = build_broker("redis://127.0.0.1:1/0", redis_namespace)
    loop = SchedulerLoop(environment, broker, redis_client)

    with pytest.raises(RedisConnectionError):
        loop.tick()

    assert loop.scheduler.tick() == [JobRequest(connection_id, "test_orders")]
