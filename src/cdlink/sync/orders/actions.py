"""Sending the seller's order actions: recorded first, sent by the engine, outcome read back.

``request_action`` checks an action (``cdlink.hub.orders.actions``), records it and adds an outbox
entry for the ``order_actions`` stream in the caller's transaction, so a click is never lost
between the database and the marketplace. ``OrderActionsExporter`` drains those entries: it
sends each action through the connection's client, then reads the order back and saves it, and
records the outcome on the action (``done``, or ``failed`` with the marketplace's reason).

A refusal by the marketplace (4xx) is an answer: the action fails with its reason and the entry is
done. A transport or server error on one action leaves that one for the next run while the rest
of the batch is sent (``export_batch``); the run then fails and the failure policy retries it.
An action whose first answer was lost may then come back as a conflict: reading the order back
tells whether it took effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

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
from cdlink.octopia.models import Parcel, PartialCancellationLine
from cdlink.store.models import Order, OrderAction
from cdlink.sync.engine import outbox
from cdlink.sync.engine.exporter import OutboxExporter, Push, PushOutcome
from cdlink.sync.engine.streams import LIVE, StreamContext
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import save_with_stock

STREAM = "order_actions"
_ANSWERS = (InvalidRequest, Conflict, NotFound, Forbidden)


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
    action = order_actions.record(
        session, order, kind, payload or {}, requested_by=requested_by, now=now
    )
    outbox.add(
        session,
        connection_id=order.connection_id,
        stream=STREAM,
        key=f"action:{action.id}",
        payload={"action_id": action.id},
        now=now,
    )
    return action


class OrderActionsExporter(OutboxExporter):
    """Sends accept, refuse, ship, cancel and re-sync requests, one outbox entry per action."""

    name = STREAM
    kind = "order_action"
    lane = LIVE  # a click on Accept or Ship is sent at once, whatever else runs

    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        return {
            push.entry_id: self.send(context, int(push.payload["action_id"])) for push in pushes
        }

    def export_batch(self, context: StreamContext) -> bool:
        """One batch, action by action: a server or transport error leaves that action for later
        and the others go on (a 429 stops the batch); the sent ones are confirmed, the others go
        straight back to the queue, and the run then fails so the failure policy paces the retry.
        """
        pushes = self.claim(context)
        if pushes is None:
            return False
        outcomes: dict[int, PushOutcome] = {}
        unsent: list[Push] = []
        failure: OctopiaError | None = None
        for position, push in enumerate(pushes):
            try:
                outcomes[push.entry_id] = self.send(context, int(push.payload["action_id"]))
            except (ServerError, TransportError) as error:
                failure = failure or error
                unsent.append(push)
            except RateLimited as error:  # the budget is spent: nothing more goes out now
                failure = error
                unsent.extend(pushes[position:])
                break
        self.confirm(context, [push for push in pushes if push.entry_id in outcomes], outcomes)
        if failure is not None:
            self.release(context, unsent, type(failure).__name__)
            raise failure
        return True

    def send(self, context: StreamContext, action_id: int) -> PushOutcome:
        with context.database.reading() as session:
            action = session.get_one(OrderAction, action_id)
            order = session.get_one(Order, action.order_id)
            kind, payload, marketplace_id = (
                action.kind,
                dict(action.payload),
                order.marketplace_order_id,
            )
        if action.state != order_actions.PENDING:
            return PushOutcome(confirmed=True)  # sent by an earlier claim; nothing to repeat
        client = context.client()
        refusal = None
        try:
            _call(client, kind, marketplace_id, payload)
        except _ANSWERS as answer:
            refusal = str(answer)
        current = client.orders.get(marketplace_id)
        now = context.clock.now()
        with context.transaction() as session:
            save_with_stock(
                session,
                context.connection_id,
                order_draft(current),
                clock=context.clock,
                now=now,
                stream=STREAM,
                run_id=context.run_id,
            )
            succeeded = refusal is None or str(current.status) in order_actions.ACHIEVED.get(
                kind, ()
            )
            outcome = f"the order is now {current.status}"
            if not succeeded:
                outcome = f"refused by the marketplace: {refusal}; {outcome}"
            order_actions.finish(
                session.get_one(OrderAction, action_id),
                succeeded=succeeded,
                outcome=outcome,
                now=now,
            )
        context.count(**{"done" if succeeded else "refused_by_marketplace": 1})
        return PushOutcome(confirmed=True)


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
