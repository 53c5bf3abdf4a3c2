"""The job functions: the same code whoever calls them (a thread pool or a Dramatiq actor).

A job message says only "run stream S of connection C" (plus why: schedule, manual, event).
Everything else is read from the database, so losing a message only delays work (the scheduler
queues it again) and running one twice is harmless (the stream's lease and the bindings).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cdlink.jobs.environment import JobEnvironment
from cdlink.sync.engine.runner import RunReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobRequest:
    """One queued job: run ``stream`` of ``connection_id``."""

    connection_id: int
    stream: str
    trigger: str = "schedule"

    @property
    def identity_key(self) -> str:
        """Two requests with the same key are the same job; only one is queued at a time."""
        return f"run_stream:{self.connection_id}:{self.stream}"


def run_stream(environment: JobEnvironment, request: JobRequest) -> RunReport:
    """Run one stream of one connection once; never raises for a failure the policy handles."""
    report = environment.runner().run(
        request.connection_id, request.stream, trigger=request.trigger
    )
    log.info(
        "stream %s of connection %s: %s %s",
        request.stream,
        request.connection_id,
        report.outcome,
        dict(report.counts),
    )
    return report
