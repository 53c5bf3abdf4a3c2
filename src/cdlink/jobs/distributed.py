"""The distributed runtime: Dramatiq actors over Redis, and a leader-elected scheduler.

``cdlink worker`` runs ``Worker`` processes that consume "run stream S of connection C" messages;
``cdlink scheduler`` runs one active ``SchedulerLoop`` (leader elected through Redis) that sends
them. Dramatiq's own retries are off: a failed run is retried by the schedule the failure policy
chose, stored in the database, so a retry survives any process.

Two queues, one per lane (``cdlink.jobs.lanes``): ``streams-live`` for the live streams (new
orders, order actions) and ``streams`` for the bulk ones. A worker's ``live_threads`` (1 by
default) consume ``streams-live`` and its general threads ``streams``, so a live run never waits
behind long imports; with no live threads, the general threads consume both, live messages first.
``cdlink worker --lane live`` or ``--lane bulk`` consumes one lane only, on all its threads.

Stopping (SIGTERM) sets the environment's ``stopping`` event, so running jobs stop at their next
step, and waits at most ``CDLINK_SHUTDOWN_SECONDS`` for them; Dramatiq's threads are daemons, so a
job stuck in a marketplace call past that does not keep the process alive. Its message was not
acknowledged, and the database says what to do again (the lease expires, the schedule is due).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
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
from cdlink.sync.engine.streams import BULK, LIVE

log = logging.getLogger(__name__)

#: The queue and actor of each lane (``streams`` is the bulk lane's, the name it always had).
QUEUE, LIVE_QUEUE = "streams", "streams-live"
ACTOR, LIVE_ACTOR = "run_stream", "run_live_stream"
QUEUES = {LIVE: LIVE_QUEUE, BULK: QUEUE}


def build_broker(redis_url: str, namespace: str) -> RedisBroker:
    """A Redis broker whose keys all start with ``namespace``."""
    return RedisBroker(url=redis_url, namespace=f"{namespace}-dramatiq")  # type: ignore[no-untyped-call]


class StreamActor:
    """The actors, one per lane: run a stream of a connection through ``cdlink.jobs.functions``."""

    def __init__(self, broker: RedisBroker, environment: JobEnvironment | None) -> None:
        self.environment = environment
        self.actors: dict[str, Any] = {
            lane: dramatiq.Actor(
                self._perform,
                broker=broker,
                actor_name=LIVE_ACTOR if lane == LIVE else ACTOR,
                queue_name=QUEUES[lane],
                # A thread that consumes both queues takes a waiting live message first.
                priority=0 if lane == LIVE else 10,
                # The database holds the retry schedule; a Dramatiq retry would bypass it.
                options={"max_retries": 0, "time_limit": 3_600_000},
            )
            for lane in (LIVE, BULK)
        }
        self.actor: Any = self.actors[BULK]

    def send(self, request: JobRequest, lane: str = BULK) -> None:
        actor = self.actors.get(lane, self.actor)
        actor.send(request.connection_id, request.stream, request.trigger)

    def _perform(self, connection_id: int, stream: str, trigger: str) -> None:
        if self.environment is None:
            raise RuntimeError("this process only sends messages; run `cdlink worker`")
        run_stream(self.environment, JobRequest(connection_id, stream, trigger))


class Worker:
    """Dramatiq workers running stream jobs until ``stop``: ``threads`` general threads on the
    ``lanes`` given, and ``live_threads`` more on the live lane alone (when it is among them).

    The reserved live threads are a second Dramatiq worker on a broker of its own
    (``live_broker``; Dramatiq wants one worker per broker). When it exists, the general threads
    leave the live queue to it: a Dramatiq consumer fetches messages ahead for its threads, so a
    live message fetched by busy general threads would wait behind their long jobs.
    """

    def __init__(
        self,
        environment: JobEnvironment,
        broker: RedisBroker,
        *,
        threads: int,
        live_threads: int = 0,
        live_broker: RedisBroker | None = None,
        lanes: Iterable[str] = (LIVE, BULK),
    ) -> None:
        self.environment = environment
        self.actor = StreamActor(broker, environment)
        lanes = [lane for lane in QUEUES if lane in set(lanes)]
        # Reserved threads only beside general ones that consume both lanes.
        reserved = live_threads > 0 and live_broker is not None and lanes == [LIVE, BULK]
        general = [BULK] if reserved else lanes
        self.worker = dramatiq.Worker(
            broker, queues={QUEUES[lane] for lane in general}, worker_threads=threads
        )
        self.workers = [(self.worker, broker)]
        if reserved and live_broker is not None:
            StreamActor(live_broker, environment)
            live = dramatiq.Worker(live_broker, queues={LIVE_QUEUE}, worker_threads=live_threads)
            self.workers.append((live, live_broker))

    def start(self) -> None:
        for worker, _ in self.workers:
            worker.start()

    def stop(self, timeout_ms: int | None = None) -> None:
        """Tell running jobs to stop, and wait for them at most ``timeout_ms`` in all
        (``CDLINK_SHUTDOWN_SECONDS`` by default)."""
        if timeout_ms is None:
            timeout_ms = int(self.environment.settings.shutdown_seconds * 1000)
        deadline = time.monotonic() + timeout_ms / 1000
        self.environment.stopping.set()
        for worker, broker in self.workers:
            worker.stop(timeout=max(0, int((deadline - time.monotonic()) * 1000)))
            broker.close()


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
        registry = self.scheduler.environment.registry
        for sent, request in enumerate(requests):
            try:
                self.actor.send(request, registry.lane(request.stream))
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
