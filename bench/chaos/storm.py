"""The storm: orders pour in, stock changes, the marketplace misbehaves and workers die.

Over ``Plan.storm_seconds`` the run creates the plan's orders on the sandbox (at an even pace,
in a mix of statuses), has customers write the plan's messages (new discussions and follow-ups,
at an even pace too), applies its stock changes through cdlink's inventory, keeps 20 % server
errors and 5 % slow replies on every marketplace call, and at random moments sends bursts of
429s, revokes every token, and SIGKILLs a random worker process (started again a moment later).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.marketplace import (
    CANCEL_REQUEST_RATE,
    NEW_DISCUSSION_RATE,
    SandboxControl,
    order_mix,
    storm_rules,
    throttle_burst,
)
from bench.chaos.processes import Supervised
from bench.chaos.shop import StockJournal, change_stock
from cdlink.store.engine import Database

STEP_SECONDS = 0.25
#: Stock changes per transaction at most (a seller's CSV upload is one transaction too).
STOCK_BATCH = 100


@dataclass(frozen=True)
class Plan:
    """The size and shape of one run."""

    runtime: str
    orders: int
    stock_changes: int
    kills: int
    skus: int
    storm_seconds: float
    drain_seconds: float
    seed: int
    workers: int = 2
    messages: int = 0


@dataclass
class StormReport:
    orders_created: int = 0
    orders_by_status: dict[str, int] = field(default_factory=dict)
    cancel_requests: int = 0
    discussions_opened: int = 0
    customer_messages: int = 0
    stock_changes: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)
    throttle_bursts: int = 0
    token_revocations: int = 0
    unexpected_exits: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Storm:
    plan: Plan
    sandbox: SandboxControl
    database: Database
    connection_id: int
    skus: list[str]
    journal: StockJournal
    processes: list[Supervised]
    workers: list[Supervised]
    rng: random.Random
    report: StormReport = field(default_factory=StormReport)
    order_ids: list[str] = field(default_factory=list)
    #: Orders created past acceptance: a customer may open a discussion about them.
    discussable: list[str] = field(default_factory=list)
    discussion_ids: list[str] = field(default_factory=list)
    discussed: set[str] = field(default_factory=set)

    def events(self) -> list[tuple[float, str]]:
        """When each kill, 429 burst and token revocation happens, in seconds from the start."""
        length = self.plan.storm_seconds
        moments = [(self.rng.uniform(0.05, 0.95) * length, "kill") for _ in range(self.plan.kills)]
        extra = max(3, self.plan.kills)
        moments += [(self.rng.uniform(0.0, length), "throttle") for _ in range(extra)]
        moments += [(self.rng.uniform(0.0, length), "revoke") for _ in range(extra)]
        return sorted(moments)

    def run(self) -> StormReport:
        for rule in storm_rules():
            self.sandbox.add_fault(rule)
        events = self.events()
        started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            share = min(1.0, elapsed / self.plan.storm_seconds)
            self._make_orders(round(self.plan.orders * share) - self.report.orders_created)
            self._write_messages(round(self.plan.messages * share) - self.report.customer_messages)
            self._change_stock(round(self.plan.stock_changes * share) - self.report.stock_changes)
            while events and events[0][0] <= elapsed:
                self._event(events.pop(0)[1], elapsed)
            self._watch_processes()
            if share >= 1.0 and not events:
                break
            time.sleep(STEP_SECONDS)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _make_orders(self, count: int) -> None:
        if count <= 0:
            return
        for status, wanted in order_mix(self.rng, count).items():
            made = self.sandbox.create_orders(wanted, status)
            self.order_ids += made
            if status != "WaitingAcceptance":
                self.discussable += made
            created = len(made)
            self.report.orders_created += created
            by_status = self.report.orders_by_status
            by_status[status] = by_status.get(status, 0) + created
            if created < wanted:
                raise RuntimeError(
                    f"the sandbox ran out of stock: {created} of {wanted} orders were created"
                )
        # Customers change their minds about orders already placed: more status changes to read.
        for _ in range(sum(self.rng.random() < CANCEL_REQUEST_RATE for _ in range(count))):
            if self.sandbox.customer_cancel_request(self.rng.choice(self.order_ids)):
                self.report.cancel_requests += 1

    def _write_messages(self, count: int) -> None:
        """Customers write ``count`` messages: some open a discussion about one of their orders,
        the others follow up in a discussion already open. A message that cannot be written yet
        (no order past acceptance so far) is written at a later step."""
        for _ in range(max(count, 0)):
            message = None
            if not self.discussion_ids or self.rng.random() < NEW_DISCUSSION_RATE:
                message = self._open_discussion()
            if message is None and self.discussion_ids:
                message = self.sandbox.customer_message(self.rng.choice(self.discussion_ids))
            if message is None:
                return
            self.report.customer_messages += 1

    def _open_discussion(self) -> str | None:
        """A new discussion (with its first message) about an order not discussed yet; its id."""
        candidates = sorted(set(self.discussable) - self.discussed)
        while candidates:
            order_id = candidates.pop(self.rng.randrange(len(candidates)))
            self.discussed.add(order_id)
            discussion_id = self.sandbox.open_discussion(order_id)
            if discussion_id is not None:
                self.discussion_ids.append(discussion_id)
                self.report.discussions_opened += 1
                return discussion_id
        return None

    def _change_stock(self, count: int) -> None:
        while count > 0:
            batch = min(count, STOCK_BATCH)
            change_stock(
                self.database,
                connection_id=self.connection_id,
                journal=self.journal,
                skus=self.skus,
                rng=self.rng,
                count=batch,
            )
            self.report.stock_changes += batch
            count -= batch

    def _event(self, kind: str, elapsed: float) -> None:
        if kind == "kill":
            victim = self.rng.choice(self.workers)
            victim.kill()
            self.report.kills.append({"process": victim.name, "at_seconds": round(elapsed, 1)})
            time.sleep(self.rng.uniform(0.2, 1.5))
            victim.start()
        elif kind == "throttle":
            self.sandbox.add_fault(throttle_burst(self.rng))
            self.report.throttle_bursts += 1
        else:
            self.sandbox.revoke_tokens()
            self.report.token_revocations += 1

    def _watch_processes(self) -> None:
        """A process that died without being killed is a finding: note it and start it again."""
        for process in self.processes:
            if not process.alive:
                code = process.process.returncode if process.process else None
                self.report.unexpected_exits.append(f"{process.name} exited with {code}")
                process.start()
