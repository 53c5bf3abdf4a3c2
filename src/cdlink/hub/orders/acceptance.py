"""The acceptance policy: what cdlink does by itself with an order waiting for acceptance.

Per connection (``acceptance_policy``): ``manual`` leaves every order to the seller; ``always``
accepts each one; ``in_stock`` accepts an order when the connection's available-to-sell covers
every line, and otherwise refuses it (with ``auto_refuse``) or leaves it waiting with the reason
shown. ``decide`` returns the action to request, or None; the orders stream
(``cdlink.sync.orders.stream``) records it, in the transaction that saved the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cdlink.hub.orders.actions import (
    ACCEPT,
    ALWAYS,
    IN_STOCK,
    REFUSE,
    acceptance_policy,
    actions_of,
)
from cdlink.hub.orders.records import AWAITING_ACCEPTANCE
from cdlink.hub.orders.stock import coverage, describe, set_acceptance_issues
from cdlink.hub.stock.inventory import Inventory
from cdlink.store.models import Order

#: Who an automatic accept or refuse is requested by, in the order's history and the sync log.
AUTOMATIC_ACCEPTANCE = "automatic acceptance"


@dataclass(frozen=True)
class Decision:
    """An action to request on an order (``ACCEPT`` or ``REFUSE``) and its payload."""

    kind: str
    payload: dict[str, object] = field(default_factory=dict)


def decide(session: Session, order: Order, stock: Inventory) -> Decision | None:
    """Apply the connection's acceptance policy to a waiting order nobody has decided yet.

    The order's acceptance issues (lines the stock does not cover) are set on it as a side
    effect, so the seller sees why an order was left waiting or refused.
    """
    if order.status != AWAITING_ACCEPTANCE:
        return None
    policy = acceptance_policy(session, order.connection_id)
    if policy.acceptance not in {ALWAYS, IN_STOCK}:
        return None
    if any(action.kind in {ACCEPT, REFUSE} for action in actions_of(session, order.id)):
        return None
    issues = coverage(order, stock) if policy.acceptance == IN_STOCK else []
    set_acceptance_issues(order, issues)
    if not issues:
        return Decision(ACCEPT)
    if policy.auto_refuse:
        return Decision(REFUSE, {"note": "; ".join(describe(issue) for issue in issues)})
    return None
