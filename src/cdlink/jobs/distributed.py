"""The distributed runtime: Dramatiq actors over Redis, and a leader-elected scheduler.

``cdlink worker`` runs ``Worker`` processes that consume "run stream S of connection C" messages;
``cdlink scheduler`` runs one active ``SchedulerLoop`` (leader elected through Redis) that sends
them. Dramatiq's own retries are off: a failed run is retried by the schedule the failure policy
chose, stored in the database, so a retry survives any process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from redis import Redis
from redis.exceptions import RedisError

from cdlink.core.errors import CdlinkError
from cdlink.jobs.backoff import Backoff
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.functions import JobRequest, run_stream
from cdlink.jobs.leader import LeaderLock
from cdlink.jobs.redis_faults import redis_fault
from cdlink.jobs.scheduler import Scheduler

log = logging.getLogger(__name__)

QUEUE = "streams"
ACTOR = "run_stream"


def build_broker(redis_url: str, namespace: str) -> RedisBroker:
    """A Redis broker whose keys all start with ``namespace``."""
    return RedisBroker(url=redis_url, namespace=f"{namespace}-dramatiq")  # type: ignore[no-untyped-call]


class StreamActor:
    """The one actor: runs a stream of a connection through ``cdlink.jobs.functions``."""

    def __init__(self, broker: RedisBroker, environment: JobEnvironment | None) -> None:
        self.environment = environment
        self.actor: Any = dramatiq.Actor(
            self._perform,
            broker=broker,
            actor_name=ACTOR,
            queue_name=QUEUE,
            priority=0,
            # The database holds the retry schedule; a Dramatiq retry would bypass it.
            options={"max_retries": 0, "time_limit": 3_600_000},
        )

    def send(self, request: JobRequest) -> None:
        self.actor.send(request.connection_id, request.stream, request.trigger)

    def _perform(self, connection_id: int, stream: str, trigger: str) -> None:
        if self.environment is None:
            raise RuntimeError("this process only sends messages; run `cdlink worker`")
        run_stream(self.environment, JobRequest(connection_id, stream, trigger))


class Worker:
    """A Dramatiq worker running stream jobs on ``threads`` threads, until ``stop``."""

    def __init__(self, environment: JobEnvironment, broker: RedisBroker, *, threads: int) -> None:
        self.broker = broker
        self.actor = StreamActor(broker, environment)
        self.worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads)

    def start(self) -> None:
        self.worker.start()

    def stop(self, timeout_ms: int = 30_000) -> None:
        self.worker.stop(timeout=timeout_ms)
        self.broker.close()


class SchedulerLoop:
    """Ticks the scheduler while this process leads, sending due streams to the queue."""

    def __init__(
        self, environment: JobEnvironment, broker: RedisBroker, redis_client: Redis
    ) -> None:
        settings = environment.settings
        self.scheduler = Scheduler(environment)
        self.actor = StreamActor(broker, None)
        self.lock = LeaderLock(
            redis_client,
            f"{settings.sync_redis_namespace}:scheduler:leader",
            ttl_seconds=settings.sync_leader_seconds,
        )
        self.tick_seconds = settings.sync_tick_seconds
        self.redis_url = settings.redis_url
        self.backoff = Backoff(base=self.tick_seconds)
        self.stopped = threading.Event()

    def tick(self) -> list[JobRequest]:
        """One round: if leading, queue what is due; returns what was sent."""
        if not self.lock.hold():
            return []
        requests = self.scheduler.tick()
        for sent, request in enumerate(requests):
            try:
                self.actor.send(request)
            except Exception:
                # The broker is unreachable: the next tick sends them, not the queue timeout.
                self.scheduler.unqueue(requests[sent:])
                raise
        return requests

    def run(self) -> None:
        """Tick until ``stop``; a failed tick is logged and tried again. While Redis is
        unreachable, one line per try and a doubling wait, not a traceback per tick."""
        while not self.stopped.is_set():
            self.stopped.wait(self.tick_once())
        try:
            self.lock.release()
        except RedisError as error:
            log.warning("%s; the leadership expires by itself", redis_fault(error, self.redis_url))

    def tick_once(self) -> float:
        """One tick, its failure logged; returns how long to wait before the next."""
        try:
            self.tick()
        except RedisError as error:
            delay = self.backoff.failed()
            log.warning("%s; trying again in %.0f s", redis_fault(error, self.redis_url), delay)
            return delay
        except CdlinkError as error:
            delay = self.backoff.failed()
            log.warning("the scheduler tick failed: %s; trying again in %.0f s", error, delay)
            return delay
        except Exception:
            log.exception("the scheduler tick failed; trying again")
            return self.backoff.failed()
        self.backoff.succeeded()
        return self.backoff.delay

    def stop(self) -> None:
        self.stopped.set()
