"""After the storm: faults off, "sync now", wait until cdlink has caught up, then judge.

Draining is what a seller would do after an outage: ask every stream to run now and let the
engine catch up. Convergence is polled in the database (never by sleeping a fixed time). The
checks then compare cdlink with the marketplace's own state, read from the sandbox.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bench.chaos.marketplace import SandboxControl
from bench.chaos.shop import CLOCK, StockJournal, inventory
from cdlink.store.engine import Database
from cdlink.store.models import (
    Binding,
    Discussion,
    DiscussionMessage,
    Order,
    OrderAction,
    OutboxEntry,
    Product,
    StockLevel,
    StreamSchedule,
    SyncRun,
    Warehouse,
)
from cdlink.sync.engine import outbox, quarantine, schedules

CATCH_UP_STREAMS = ("orders", "order_actions", "stock", "discussions")
#: Orders the marketplace has not released yet are invisible to every client.
HIDDEN = "Processing"


class DrainTimeoutError(Exception):
    """cdlink did not catch up within the drain time."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str, problems: list[str] | Counter[str], detail: str) -> None:
        shown = ", ".join(list(problems)[:10]) if problems else ""
        more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
        self.checks.append(
            Check(name, not problems, f"{detail}: {shown}{more}" if problems else detail)
        )

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


def request(database: Database, connection_id: int, streams: tuple[str, ...]) -> datetime:
    """Ask for a run of each stream now ("sync now"); returns when it was asked."""
    now = CLOCK.now()
    with database.session() as session:
        for stream in streams:
            schedules.request_run(session, connection_id, stream, now=now, trigger="manual")
    return now


def wait_until(condition: Callable[[], bool], deadline: float, what: str) -> None:
    while not condition():
        if time.monotonic() > deadline:
            raise DrainTimeoutError(f"cdlink did not catch up in time: {what}")
        time.sleep(1.0)


@dataclass
class Drain:
    database: Database
    sandbox: SandboxControl
    connection_id: int
    deadline: float
    #: The discussions the storm opened (the sandbox opens none by itself in the run).
    discussion_ids: list[str] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    progress: list[dict[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def run(self) -> dict[str, Any]:
        """ "Sync now" on every stream that catches up; once every order is imported, the
        reconciliation; once every order action is sent, the offers read back (drift pushed);
        then orders, outbox and discussions caught up. The reconciliation's counts are
        returned."""
        started = self.started = time.monotonic()
        request(self.database, self.connection_id, CATCH_UP_STREAMS)
        wait_until(self.orders_imported, self.deadline, "orders imported")
        self.steps["orders_imported"] = time.monotonic() - started
        # Every order is in: the reconciliation compares the lists while statuses catch up.
        reconciled = request(self.database, self.connection_id, ("orders_reconciliation",))
        wait_until(self.actions_sent, self.deadline, "order actions sent")
        self.steps["order_actions"] = time.monotonic() - started
        # Every order is in and every action sent: nothing the drain still waits for moves stock
        # but a cancellation, which queues its own push. The marketplace sells from its own
        # quantities: the offers stream reads them back and queues a push wherever they drifted
        # from available-to-sell, while the statuses catch up.
        asked = request(self.database, self.connection_id, ("offers",))
        wait_until(self.orders_caught_up, self.deadline, "orders and outbox")
        self.steps["orders_and_outbox"] = time.monotonic() - started
        wait_until(self.discussions_caught_up, self.deadline, "discussions and their messages")
        self.steps["discussions"] = time.monotonic() - started
        wait_until(lambda: self.ran_since("offers", asked), self.deadline, "offers stream")
        wait_until(self.outbox_idle, self.deadline, "stock pushes after the offers stream")
        self.steps["stock"] = time.monotonic() - started
        wait_until(
            lambda: self.ran_since("orders_reconciliation", reconciled),
            self.deadline,
            "orders reconciliation",
        )
        self.steps["reconciliation"] = time.monotonic() - started
        # The sandbox's own timers go on moving orders (a shipment is delivered up to 40 s
        # later): the checks compare statuses once the orders stream has read the last moves.
        wait_until(self.orders_caught_up, self.deadline, "orders moved during the drain")
        self.steps["final_orders"] = time.monotonic() - started
        return self.last_counts("orders_reconciliation")

    def orders_imported(self) -> bool:
        """Every order the marketplace lists is stored (whatever its status)."""
        missing, _ = self.order_gaps()
        self.note(missing=missing)
        return not missing

    def actions_sent(self) -> bool:
        """No order action waits in the outbox (every acceptance the policy asked for is sent)."""
        unsent = self.unsent()
        self.note(**unsent)
        return "outbox_order_actions" not in unsent

    def orders_caught_up(self) -> bool:
        """Every order stored with the marketplace's status, and nothing left in the outbox."""
        missing, stale = self.order_gaps()
        unsent = self.unsent()
        self.note(missing=missing, stale=stale, **unsent)
        return not (missing or stale or unsent)

    def order_gaps(self) -> tuple[int, int]:
        """The marketplace's orders not stored, and those stored with another status."""
        remote = {key: value for key, value in self.sandbox.orders().items() if value != HIDDEN}
        local = local_statuses(self.database, self.connection_id)
        missing = sum(key not in local for key in remote)
        stale = sum(key in local and local[key] != value for key, value in remote.items())
        return missing, stale

    def discussions_caught_up(self) -> bool:
        """Every message of every discussion the storm opened is stored."""
        remote = remote_messages(self.sandbox, self.discussion_ids)
        local = local_messages(self.database, self.connection_id)
        missing = len(set(remote) - set(local))
        self.note(messages_missing=missing)
        return not missing

    def note(self, **waiting: int) -> None:
        """Keep what the drain waits for, every few seconds: the report's catch-up curve."""
        elapsed = round(time.monotonic() - self.started, 1)
        if not self.progress or elapsed - self.progress[-1]["at"] >= 5 or not any(waiting.values()):
            self.progress.append({"at": elapsed, **waiting})

    def unsent(self) -> dict[str, int]:
        """Outbox entries not finished yet, by stream."""
        with self.database.reading() as session:
            rows = session.execute(
                select(OutboxEntry.stream, func.count(OutboxEntry.id))
                .where(OutboxEntry.state.in_((outbox.PENDING, outbox.CLAIMED)))
                .group_by(OutboxEntry.stream)
            )
            return {f"outbox_{stream}": int(count) for stream, count in rows}

    def outbox_idle(self) -> bool:
        return not self.unsent()

    def ran_since(self, stream: str, asked: datetime) -> bool:
        with self.database.reading() as session:
            outcome = session.scalars(
                select(SyncRun.outcome)
                .where(SyncRun.stream == stream, SyncRun.started_at >= asked)
                .order_by(SyncRun.id.desc())
            ).first()
        if outcome == "failed":
            request(self.database, self.connection_id, (stream,))
        return outcome == "succeeded"

    def succeeded(self, stream: str) -> bool:
        with self.database.reading() as session:
            query = select(SyncRun.id).where(
                SyncRun.stream == stream, SyncRun.outcome == "succeeded"
            )
            return session.scalar(query.limit(1)) is not None

    def last_counts(self, stream: str) -> dict[str, Any]:
        with self.database.reading() as session:
            counts = session.scalars(
                select(SyncRun.counts)
                .where(SyncRun.stream == stream, SyncRun.outcome == "succeeded")
                .order_by(SyncRun.id.desc())
            ).first()
        return dict(counts or {})


def first_sync(
    database: Database, sandbox: SandboxControl, connection_id: int, deadline: float
) -> None:
    """Wait, before the storm, for the new connection's first sync: the orders stream has read
    its 30 days of history once and the initial stock is pushed, as in a shop already running.
    """
    drain = Drain(database, sandbox, connection_id, deadline)
    wait_until(lambda: drain.succeeded("orders"), deadline, "first orders run")
    wait_until(drain.outbox_idle, deadline, "initial stock push")


def local_statuses(database: Database, connection_id: int) -> dict[str, str]:
    with database.reading() as session:
        rows = session.execute(
            select(Order.marketplace_order_id, Order.status).where(
                Order.connection_id == connection_id
            )
        )
        return dict(rows.all())  # type: ignore[arg-type]


def remote_messages(sandbox: SandboxControl, discussion_ids: list[str]) -> dict[str, str]:
    """``discussion id/message id`` → the discussion's order, for every message the marketplace
    holds in ``discussion_ids``."""
    found: dict[str, str] = {}
    for discussion_id in discussion_ids:
        discussion = sandbox.discussion(discussion_id)
        for message in discussion["messages"]:
            found[f"{discussion_id}/{message['messageId']}"] = discussion["orderReference"]
    return found


def local_messages(database: Database, connection_id: int) -> Counter[str]:
    """``discussion id/message id`` of every stored message, with how often it is stored."""
    with database.reading() as session:
        rows = session.execute(
            select(Discussion.marketplace_discussion_id, DiscussionMessage.marketplace_message_id)
            .join(Discussion, Discussion.id == DiscussionMessage.discussion_id)
            .where(Discussion.connection_id == connection_id)
        )
        return Counter(f"{discussion}/{message}" for discussion, message in rows)


def judge(
    database: Database,
    sandbox: SandboxControl,
    connection_id: int,
    journal: StockJournal,
    reconciliation: dict[str, Any],
    *,
    discussion_ids: list[str],
) -> Verdict:
    verdict = Verdict()
    remote = {key: value for key, value in sandbox.orders().items() if value != HIDDEN}
    _orders(verdict, database, connection_id, remote)
    _discussions(verdict, database, sandbox, connection_id, discussion_ids)
    verdict.check(
        "reconciliation: 0 missing, 0 duplicated",
        [
            f"{key} {reconciliation.get(key)}"
            for key in ("missing", "duplicated")
            if reconciliation.get(key, 0)
        ]
        + ([] if reconciliation else ["the reconciliation did not run"]),
        f"marketplace {reconciliation.get('marketplace')}, local {reconciliation.get('local')}",
    )
    _stock(verdict, database, connection_id, sandbox.offers(), journal)
    _leftovers(verdict, database, connection_id)
    return verdict


def _orders(
    verdict: Verdict, database: Database, connection_id: int, remote: dict[str, str]
) -> None:
    with database.reading() as session:
        stored = Counter(
            session.scalars(
                select(Order.marketplace_order_id).where(Order.connection_id == connection_id)
            )
        )
        bound = Counter(
            session.scalars(
                select(Binding.external_id).where(
                    Binding.connection_id == connection_id, Binding.kind == "order"
                )
            )
        )
    doubled = sorted(key for key in stored if stored[key] > 1)
    doubled += sorted(f"binding {key}" for key in bound if bound[key] > 1)
    verdict.check("0 duplicated orders", doubled, f"{sum(stored.values())} orders stored")
    missing = sorted(set(remote) - set(stored)) + sorted(
        f"unbound {key}" for key in remote if key in stored and not bound[key]
    )
    verdict.check("0 missing orders", missing, f"{len(remote)} orders on the marketplace")
    verdict.check("no order unknown to the marketplace", sorted(set(stored) - set(remote)), "none")
    local = local_statuses(database, connection_id)
    stale = sorted(
        f"{key} {local[key]}≠{status}"
        for key, status in remote.items()
        if key in local and local[key] != status
    )
    verdict.check("every order's status as on the marketplace", stale, "all match")
    verdict.facts["orders_by_status"] = dict(sorted(Counter(remote.values()).items()))


def _discussions(
    verdict: Verdict,
    database: Database,
    sandbox: SandboxControl,
    connection_id: int,
    discussion_ids: list[str],
) -> None:
    """Every discussion and customer message of the marketplace stored once, on its order."""
    remote = remote_messages(sandbox, discussion_ids)
    remote_orders = {key.split("/")[0]: order for key, order in remote.items()}
    for discussion_id in discussion_ids:
        remote_orders.setdefault(discussion_id, "")
    local = local_messages(database, connection_id)
    with database.reading() as session:
        rows = session.execute(
            select(Discussion.marketplace_discussion_id, Discussion.marketplace_order_id).where(
                Discussion.connection_id == connection_id
            )
        ).all()
        orders = set(
            session.scalars(
                select(Order.marketplace_order_id).where(Order.connection_id == connection_id)
            )
        )
    stored = Counter(discussion for discussion, _ in rows)
    linked: dict[str, str | None] = dict(rows)  # type: ignore[arg-type]
    doubled = sorted(key for key in stored if stored[key] > 1)
    doubled += sorted(f"message {key}" for key in local if local[key] > 1)
    verdict.check(
        "0 duplicated discussions or messages",
        doubled,
        f"{len(stored)} discussions, {sum(local.values())} messages stored",
    )
    missing = sorted(set(remote_orders) - set(stored))
    missing += sorted(f"message {key}" for key in set(remote) - set(local))
    verdict.check(
        "0 missing discussions or messages",
        missing,
        f"{len(remote_orders)} discussions, {len(remote)} messages on the marketplace",
    )
    unknown = sorted(set(stored) - set(remote_orders))
    unknown += sorted(f"message {key}" for key in set(local) - set(remote))
    verdict.check("no discussion or message unknown to the marketplace", unknown, "none")
    unlinked = sorted(
        f"{discussion} on {linked.get(discussion)}≠{order}"
        for discussion, order in remote_orders.items()
        if discussion in linked and order in orders and linked[discussion] != order
    )
    verdict.check(
        "every discussion on its order",
        unlinked,
        f"{sum(order in orders for order in remote_orders.values())} of "
        f"{len(remote_orders)} discussions' orders in cdlink",
    )
    verdict.facts["discussions"] = {
        "marketplace": len(remote_orders),
        "messages_on_marketplace": len(remote),
        "stored": len(stored),
        "messages_stored": sum(local.values()),
    }


def _stock(
    verdict: Verdict,
    database: Database,
    connection_id: int,
    offers: dict[str, int],
    journal: StockJournal,
) -> None:
    with inventory(database) as stock:
        products = stock.session.scalars(select(Product).order_by(Product.sku)).all()
        available = {product.sku: stock.available(connection_id, product) for product in products}
        levels = {
            (sku, code): on_hand
            for sku, code, on_hand in stock.session.execute(
                select(Product.sku, Warehouse.code, StockLevel.on_hand)
                .join(Product, Product.id == StockLevel.product_id)
                .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            )
        }
    wrong = sorted(
        f"{sku} {offers.get(sku)}≠{quantity}"
        for sku, quantity in available.items()
        if offers.get(sku) != quantity
    )
    verdict.check(
        "every SKU's marketplace quantity = its available-to-sell",
        wrong,
        f"{len(available)} SKUs, {sum(available.values())} units available",
    )
    lost = sorted(
        f"{sku}@{code} {levels.get((sku, code))}≠{units}"
        for (sku, code), units in journal.on_hand.items()
        if levels.get((sku, code)) != units
    )
    verdict.check("every stock change kept", lost, f"{journal.changes} changes")


def _leftovers(verdict: Verdict, database: Database, connection_id: int) -> None:
    with database.reading() as session:
        entries = Counter(
            f"{stream} {state}"
            for stream, state in session.execute(select(OutboxEntry.stream, OutboxEntry.state))
        )
        actions = Counter(session.scalars(select(OrderAction.state)))
        held = quarantine.open_entries(session, connection_id)
        dead = session.scalars(
            select(StreamSchedule.stream).where(StreamSchedule.state == schedules.DEAD)
        ).all()
        runs = Counter(
            f"{stream} {outcome}"
            for stream, outcome in session.execute(select(SyncRun.stream, SyncRun.outcome))
        )
        lost = session.scalar(
            select(func.count(SyncRun.id)).where(SyncRun.error_class == "WorkerLost")
        )
    unsent = [
        key for key in entries if key.endswith((outbox.PENDING, outbox.CLAIMED, outbox.FAILED))
    ]
    verdict.check(
        "empty outbox (nothing pending, claimed or failed)",
        [f"{key}: {entries[key]}" for key in unsent],
        ", ".join(f"{key} {count}" for key, count in sorted(entries.items())),
    )
    verdict.check("no quarantined order", [entry.external_id for entry in held], "none")
    verdict.check("no dead stream", list(dead), "none")
    verdict.facts["order_actions"] = dict(actions)
    verdict.facts["runs"] = dict(sorted(runs.items()))
    verdict.facts["runs_lost_with_their_worker"] = lost
