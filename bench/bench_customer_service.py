"""Customer service: how soon a customer's message is visible, how soon a reply is accepted, and
what an idle discussions stream costs.

- new customer message → visible in cdlink: the embedded runtime at default settings (the
  discussions stream polls every ``CDLINK_SYNC_CONTINUOUS_SECONDS``) against the in-process
  sandbox on the real clock; a customer writes every few seconds and the time until the message's
  row is readable is recorded (p95; target ≤ 30 s);
- reply → accepted by the marketplace: a reply recorded as the pages record it (outbox entry and
  a wake-up of the runtime) until its action is ``done`` (the marketplace answered 201; p95,
  target ≤ 5 s);
- idle discussions stream: API calls (token requests apart) of one run that finds nothing new
  (target 1: the list of the window since the last run).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import select

from bench.bench_orders import environment
from bench.harness import Measurement, Options, quantile
from cdlink.core.clock import ManualClock, SystemClock
from cdlink.jobs.embedded import EmbeddedRuntime
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox, SandboxConfig
from cdlink.store.engine import Database
from cdlink.store.models import CustomerServiceAction, Discussion, DiscussionMessage
from cdlink.sync.customer_service.actions import request_reply

NAME = "customer_service"
REPLY = "Bonjour, votre colis est parti ce matin avec Colissimo."


def _discussion_ids(shop: JobEnvironment) -> list[tuple[int, str]]:
    with shop.database.reading() as session:
        query = select(Discussion.id, Discussion.marketplace_discussion_id).where(
            Discussion.is_open.is_(True)
        )
        return [(row[0], row[1]) for row in session.execute(query)]


def _wait(check: Callable[[], bool], limit: float = 120.0) -> float:
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < limit:
        if check():
            return elapsed
        time.sleep(0.05)
    raise RuntimeError(f"not seen after {limit} s")


def _visible(database: Database, message_id: str) -> bool:
    with database.reading() as session:
        query = select(DiscussionMessage.id).where(
            DiscussionMessage.marketplace_message_id == message_id
        )
        return session.scalars(query).first() is not None


def _done(database: Database, action_id: int) -> bool:
    with database.reading() as session:
        return session.get_one(CustomerServiceAction, action_id).state != "pending"


def live(directory: Path, options: Options) -> list[Measurement]:
    samples = 4 if options.quick else 12
    sandbox = Sandbox(SandboxConfig(seed=9, orders=30, discussions=samples + 2))
    shop = environment(directory, sandbox, SystemClock(), "customer_service")
    runtime = EmbeddedRuntime(shop)
    runtime.start()
    messages, replies = [], []
    try:
        _wait(lambda: len(_discussion_ids(shop)) > 0)
        threads = _discussion_ids(shop)
        for index in range(samples):
            local_id, marketplace_id = threads[index % len(threads)]
            message_id = sandbox.customer_message(marketplace_id)
            messages.append(_wait(partial(_visible, shop.database, message_id)))
            with shop.database.session() as session:
                action_id = request_reply(
                    session,
                    session.get_one(Discussion, local_id),
                    REPLY,
                    requested_by="bench",
                    now=shop.clock.now(),
                ).id
            runtime.wake()  # as the pages and the API do after recording
            replies.append(_wait(partial(_done, shop.database, action_id)))
            time.sleep(1.3)  # messages arrive at different points of the polling cycle
    finally:
        runtime.stop()
    interval = shop.settings.sync_continuous_seconds
    note = f"{samples} messages, embedded runtime, polling every {interval} s"
    return [
        Measurement(
            NAME,
            "New customer message → visible in cdlink, p95",
            quantile(messages, 0.95),
            "s",
            target="≤ 30",
            note=note,
        ),
        Measurement(
            NAME,
            "Reply → accepted by the marketplace, p95",
            quantile(replies, 0.95),
            "s",
            target="≤ 5",
            note=f"{samples} replies recorded then sent by the embedded runtime",
        ),
    ]


def idle(directory: Path) -> list[Measurement]:
    clock = ManualClock(SystemClock().now())
    sandbox = Sandbox(SandboxConfig(seed=10, orders=30, discussions=6), clock=clock)
    shop = environment(directory, sandbox, clock, "idle_discussions")
    for _ in range(2):  # the first run imports; the second caches the token
        if shop.runner().run(1, "discussions").outcome != "succeeded":
            raise RuntimeError("the discussions stream failed")
        clock.advance(15)
    runs, calls = 10, 0
    for _ in range(runs):
        before = len(sandbox.requests())
        shop.runner().run(1, "discussions")
        calls += sum(1 for call in sandbox.requests()[before:] if call["endpoint"] != "token")
        clock.advance(float(timedelta(seconds=10).total_seconds()))
    return [
        Measurement(
            NAME,
            "Idle discussions stream: marketplace calls per run",
            calls / runs,
            "calls",
            target="1",
            note=f"{runs} runs finding nothing new, token requests apart",
        )
    ]


def run(options: Options) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        return idle(directory) + live(directory, options)
