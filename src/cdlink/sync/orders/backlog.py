"""Refusing the backlog: the orders already waiting when automatic refusal was switched on.

Automatic refusal refuses only the orders imported after it was switched on
(``cdlink.hub.orders.acceptance``). The orders waiting already are refused only when the seller
confirms it after seeing how many (the order settings page, ``PUT …/order-settings`` with
``refuse_backlog``, ``cdlink orders policy --refuse-backlog``): ``preview`` counts them,
``refuse_backlog`` records and queues each refusal in the caller's transaction, with its reason on
the order and on its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.hub.orders.acceptance import AUTOMATIC_ACCEPTANCE, backlog, record_decision
from cdlink.hub.orders.actions import acceptance_policy
from cdlink.hub.orders.stock import set_acceptance_issues
from cdlink.sync.orders.actions import request_action
from cdlink.sync.orders.stock import inventory

#: The ``stream`` of the timeline events of a backlog refusal (the seller's confirmation).
STREAM = "order_settings"


@dataclass(frozen=True)
class BacklogOrder:
    """A waiting order automatic refusal would refuse, and why."""

    order_id: int
    marketplace_order_id: str
    reason: str
    issues: list[dict[str, Any]]

    @property
    def id(self) -> int:
        return self.order_id


def preview(session: Session, connection_id: int, clock: Clock) -> list[BacklogOrder]:
    """The waiting orders a refusal of the backlog would refuse now (nothing changes)."""
    return [
        BacklogOrder(order.id, order.marketplace_order_id, decision.reason, decision.issues)
        for order, decision in backlog(session, connection_id, inventory(session, clock))
    ]


def refuse_backlog(session: Session, connection_id: int, clock: Clock) -> int:
    """Refuse the waiting orders the stock does not cover; how many. Only while auto-refusing."""
    if not acceptance_policy(session, connection_id).refuses:
        return 0
    now = clock.now()
    found = backlog(session, connection_id, inventory(session, clock))
    for order, decision in found:
        set_acceptance_issues(order, decision.issues)
        request_action(
            session,
            order,
            decision.kind,
            decision.payload,
            requested_by=AUTOMATIC_ACCEPTANCE,
            now=now,
        )
        record_decision(session, order, decision, now, stream=STREAM, backlog=True)
    return len(found)
