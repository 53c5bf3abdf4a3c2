"""Sending the seller's order actions: recorded first, sent by the engine, the outcome recorded.

``request_action`` checks an action (``cdlink.hub.orders.actions``), records it and adds an outbox
entry for the ``order_actions`` stream in the caller's transaction, so a click is never lost
between the database and the marketplace. ``OrderActionsExporter`` drains those entries a batch
at a time: it reads the batch's actions in one query, sends them through the connection's
client a few at once (``PARALLEL``; the call budget, ``cdlink.octopia.budget``, paces them), and
records the outcomes of the whole batch with its outbox entries in one transaction.

- An accept or a refuse answered with a 2xx is done on that answer (``CONFIRMED``): the order is
  not read back, the orders stream brings its new status (a run of it is asked for once the
  queue is empty), and until then the pages and the API say the marketplace confirmed it and its
  status is still to come (``awaiting_status``).
- A ship, a cancel, a partial cancellation and a re-sync read the order back and save it.
- A refusal by the marketplace (4xx) is ambiguous: it may answer an action that already took
  effect (its first answer lost, the action sent again). The order is read back: the action is
  done if the order shows it took effect, failed with the marketplace's reason otherwise.
- A transport or server error leaves that action for the next batch while the rest of the batch
  is sent: when the marketplace answered some of the batch, the run goes on and sends it again
  with the next batch (one 5xx retries that call, not the batch, and does not stop the stream);
  when it answered none, the run fails so the failure policy paces the retry. A 429 stops the
  batch (no new call starts; those in flight finish) and fails the run. The actions not
  answered go straight back to the queue.

Exactly once: an action is recorded before it is sent, its entry is claimed by one run, and its
outcome commits with the entry. A run killed between the calls and that commit leaves its
entries claimed: the next run takes them back and sends them again, and the marketplace answers
a conflict for those that took effect, read back as above.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.orders import actions as order_actions
from cdlink.octopia import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    OctopiaClient,
    OctopiaError,
    RateLimited,
    ServerError,
    TransportError,
)
from cdlink.octopia.models import Order as MarketplaceOrder
from cdlink.octopia.models import Parcel, PartialCancellationLine
from cdlink.store.models import Order, OrderAction
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.schedules import request_run
from cdlink.sync.engine.streams import LIVE, StreamContext
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import save_with_stock

STREAM = "order_actions"
#: The stream that reads orders (``cdlink.sync.orders.stream``), which imports this module.
ORDERS_STREAM = "orders"
_ANSWERS = (InvalidRequest, Conflict, NotFound, Forbidden)
#: Calls in flight at once: enough to hide each call's latency, the budget sets the pace.
PARALLEL = 8


def request_action(
    session: Session,
    order: Order,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    requested_by: str | None = None,
    now: datetime,
) -> OrderAction:
    """Record ``kind`` for ``order`` and queue it for sending (raises ``OrderActionError``)."""
    requested = [(order, kind, payload or {})]
    return request_actions(session, requested, requested_by=requested_by, now=now)[0]


def request_actions(
    session: Session,
    requests: Sequence[tuple[Order, str, dict[str, Any]]],
    *,
    requested_by: str | None = None,
    now: datetime,
) -> list[OrderAction]:
    """``request_action`` for each (order, kind, payload), recorded with one flush (a page of
    orders the acceptance policy accepts); raises ``OrderActionError`` at the first refused."""
    actions = order_actions.record_many(session, requests, requested_by=requested_by, now=now)
    for (order, _, _), action in zip(requests, actions, strict=True):
        outbox.add(
            session,
            connection_id=order.connection_id,
            stream=STREAM,
            key=f"action:{action.id}",
            payload={"action_id": action.id},
            now=now,
        )
    return actions


@dataclass(frozen=True)
class _Action:
    """One claimed action, as read before sending; ``pending`` False: sent by an earlier claim."""

    entry_id: int
    action_id: int
    kind: str
    payload: dict[str, Any]
    marketplace_id: str
    pending: bool


@dataclass(frozen=True)
class _Answer:
    """The marketplace's answer: its refusal (None for a 2xx) and the order read back, if read."""

    refusal: str | None = None
    order: MarketplaceOrder | None = None


@dataclass(frozen=True)
class _Sent:
    """One action's exchange: its answer (None: not sent, or no answer) and the error met."""

    answer: _Answer | None = None
    failure: OctopiaError | None = None


@dataclass
class _Batch:
    """What the marketplace answered to a batch, by outbox entry, and the first error met."""

    answers: dict[int, _Answer] = field(default_factory=dict)
    #: The action of each entry of the batch.
    actions: dict[int, int] = field(default_factory=dict)
    unsent: list[Push] = field(default_factory=list)
    failure: OctopiaError | None = None

    def failed(self, error: OctopiaError) -> None:
        # A 429 outranks a server error: its retry time is the one the run must wait.
        if self.failure is None or isinstance(error, RateLimited):
            self.failure = error


class OrderActionsExporter(OutboxExporter):
    """Sends accept, refuse, ship, cancel and re-sync requests, one outbox entry per action."""

    name = STREAM
    kind = "order_action"
    lane = LIVE  # a click on Accept or Ship is sent at once, whatever else runs

    def export_batch(self, context: StreamContext) -> bool:
        """One batch: claim → send → record the answered ones and confirm their entries in one
        transaction; the others go straight back to the queue, and the batch's error (a server
        error, a 429) then fails the run so the failure policy paces the retry.
        """
        pushes = self.claim(context)
        if pushes is None:
            return False
        batch = self.exchange(context, pushes)
        answered = [push for push in pushes if push.entry_id in batch.answers]
        counts: Counter[str] = Counter()
        self.confirm(
            context,
            answered,
            {push.entry_id: PushOutcome(confirmed=True) for push in answered},
            also=lambda session: counts.update(self.record(session, context, batch)),
        )
        context.count(**counts)
        if batch.unsent:
            reason = type(batch.failure).__name__ if batch.failure else "the run stopped"
            self.release(context, batch.unsent, reason)
        if batch.failure is None:
            return True
        if answered and not isinstance(batch.failure, RateLimited):
            # The marketplace answered the rest: its errors were the calls', not its own state.
            # The run goes on, and the failed actions are sent again with the next batch.
            context.count(sent_again=len(batch.unsent))
            return True
        raise batch.failure

    def drain(self, context: StreamContext) -> None:
        """Send every due action; then, when some were confirmed without their new status, ask
        for an orders run at once (once the queue is empty: a run of its own per batch would
        read the orders back again and again, taking calls from the actions still queued)."""
        super().drain(context)
        if context.counts["done"] > context.counts["read_back"]:
            with context.transaction() as session:
                now = context.clock.now()
                request_run(session, context.connection_id, ORDERS_STREAM, now=now, trigger="event")

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        """Send ``pushes`` and record their actions' outcomes (``export_batch`` does it with the
        entries in one transaction); raises the first error met once the others are recorded."""
        batch = self.exchange(context, pushes)
        with context.transaction() as session:
            counts = self.record(session, context, batch)
        context.count(**counts)
        if batch.failure is not None:
            raise batch.failure
        return {entry_id: PushOutcome(confirmed=True) for entry_id in batch.answers}

    def exchange(self, context: StreamContext, pushes: Sequence[Push]) -> _Batch:
        """Send the batch's pending actions, ``PARALLEL`` at once; what each one got back."""
        actions = _read(context, pushes)
        batch = _Batch(actions={action.entry_id: action.action_id for action in actions})
        for action in actions:
            if not action.pending:  # sent by an earlier claim; nothing to repeat
                batch.answers[action.entry_id] = _Answer()
        pending = [action for action in actions if action.pending]
        if not pending:
            return batch
        client = context.client()
        stop = threading.Event()

        def one(action: _Action) -> _Sent:
            if stop.is_set() or context.stopping.is_set():
                return _Sent()  # after a 429, or the shutdown: left for the next run
            return _send(client, action, stop)

        by_entry = {push.entry_id: push for push in pushes}
        with ThreadPoolExecutor(PARALLEL, thread_name_prefix="order-actions") as pool:
            for action, sent in zip(pending, pool.map(one, pending), strict=True):
                if sent.failure is not None:
                    batch.failed(sent.failure)
                if sent.answer is None:
                    batch.unsent.append(by_entry[action.entry_id])
                else:
                    batch.answers[action.entry_id] = sent.answer
        return batch

    def record(self, session: Session, context: StreamContext, batch: _Batch) -> Counter[str]:
        """Save the orders read back and finish each answered action; the counts it makes."""
        now = context.clock.now()
        counts: Counter[str] = Counter()
        actions = _actions(session, [batch.actions[entry_id] for entry_id in batch.answers])
        for entry_id, answer in batch.answers.items():
            action = actions[batch.actions[entry_id]]
            if action.state != order_actions.PENDING:
                continue
            succeeded, outcome = self._outcome(session, context, action, answer, now)
            order_actions.finish(action, succeeded=succeeded, outcome=outcome, now=now)
            counts["done" if succeeded else "refused_by_marketplace"] += 1
            counts["read_back"] += answer.order is not None
        return counts

    def _outcome(
        self,
        session: Session,
        context: StreamContext,
        action: OrderAction,
        answer: _Answer,
        now: datetime,
    ) -> tuple[bool, str]:
        """Whether ``action`` took effect, and its outcome as the pages tell it."""
        if answer.order is None:
            return True, order_actions.CONFIRMED
        save_with_stock(
            session,
            context.connection_id,
            order_draft(answer.order),
            clock=context.clock,
            now=now,
            stream=STREAM,
            run_id=context.run_id,
        )
        status = str(answer.order.status)
        succeeded = answer.refusal is None or status in order_actions.ACHIEVED.get(action.kind, ())
        outcome = f"the order is now {status}"
        if not succeeded:
            outcome = f"refused by the marketplace: {answer.refusal}; {outcome}"
        return succeeded, outcome


def _send(client: OctopiaClient, action: _Action, stop: threading.Event) -> _Sent:
    """Send one action, and read the order back unless a 2xx confirms it on its own."""
    refusal = None
    try:
        _call(client, action.kind, action.marketplace_id, action.payload)
    except _ANSWERS as answer:
        refusal = str(answer)
    except RateLimited as error:
        stop.set()  # the budget is spent: nothing more goes out now
        return _Sent(failure=error)
    except (ServerError, TransportError) as error:
        return _Sent(failure=error)
    if refusal is None and action.kind in order_actions.CONFIRMED_BY_ANSWER:
        return _Sent(_Answer())
    try:
        return _Sent(_Answer(refusal, client.orders.get(action.marketplace_id)))
    except (RateLimited, ServerError, TransportError) as error:
        if isinstance(error, RateLimited):
            stop.set()
        if refusal is None and action.kind != order_actions.RESYNC:
            # Sent and answered with a 2xx: done, and never sent twice for a lost read.
            return _Sent(_Answer(), failure=error)
        return _Sent(failure=error)


def _read(context: StreamContext, pushes: Sequence[Push]) -> list[_Action]:
    """The batch's actions with their orders' marketplace ids, in the batch's order."""
    ids = {int(push.payload["action_id"]): push.entry_id for push in pushes}
    with context.database.reading() as session:
        rows = session.execute(
            select(OrderAction, Order.marketplace_order_id)
            .join(Order, Order.id == OrderAction.order_id)
            .where(OrderAction.id.in_(list(ids)))
        ).all()
        found = {
            action.id: _Action(
                entry_id=ids[action.id],
                action_id=action.id,
                kind=action.kind,
                payload=dict(action.payload),
                marketplace_id=marketplace_id,
                pending=action.state == order_actions.PENDING,
            )
            for action, marketplace_id in rows
        }
    return [found[int(push.payload["action_id"])] for push in pushes]


def _actions(session: Session, action_ids: list[int]) -> dict[int, OrderAction]:
    query = select(OrderAction).where(OrderAction.id.in_(action_ids))
    return {action.id: action for action in session.scalars(query)}


def _call(client: OctopiaClient, kind: str, marketplace_id: str, payload: dict[str, Any]) -> None:
    orders = client.orders
    if kind == order_actions.ACCEPT:
        orders.accept(marketplace_id)
    elif kind == order_actions.REFUSE:
        orders.refuse(marketplace_id)
    elif kind == order_actions.SHIP:
        orders.ship(marketplace_id, _parcels(payload))
    elif kind == order_actions.CANCEL:
        orders.cancel(marketplace_id, str(payload["reason"]))
    elif kind == order_actions.CANCEL_LINES:
        lines = [
            PartialCancellationLine(line_id=line_id, reason=str(payload["reason"]))
            for line_id in payload["lines"]
        ]
        orders.cancel_lines(marketplace_id, lines)
    # RESYNC sends nothing: reading the order back is the whole action.


def _parcels(payload: dict[str, Any]) -> list[Parcel]:
    """The recorded parcels (``cdlink.hub.orders.shipments``); older actions had one, all lines."""
    items = payload.get("parcels")
    if items is None:
        items = [dict(payload, line_ids=None)]
    return [
        Parcel(
            parcel_number=str(item["tracking_number"]),
            carrier_name=str(item["carrier"]),
            tracking_url=item.get("tracking_url") or None,
            order_line_ids=[str(line_id) for line_id in item["line_ids"]]
            if item.get("line_ids")
            else None,
        )
        for item in items
    ]
