"""The acceptance policy: what cdlink does by itself with an order waiting for acceptance.

Per connection (``acceptance_policy``): ``manual`` leaves every order to the seller; ``always``
accepts each one; ``in_stock`` accepts an order when the connection's available-to-sell covers
every line, and otherwise refuses it (with ``auto_refuse``) or leaves it waiting with the reason
shown. ``decide`` returns the action to request, or None; the orders stream
(``cdlink.sync.orders.stream``) records it, in the transaction that saved the order, with a
sync event on the order's timeline (``record_decision``) that says why.

Automatic refusal cannot hurt:

- it refuses only for a *shortage* of a SKU whose stock the seller manages on the connection
  (stock entered in one of its warehouses). A SKU never counted there is unmanaged
  (``cdlink.hub.orders.stock.UNMANAGED``): its 0 means "unknown", so the order waits for the
  seller with the reason shown, as it does for a SKU the catalog does not know or a line without
  a SKU;
- it refuses only the orders imported since it was switched on (``auto_refuse_since``). The
  orders already waiting then (the backlog, ``backlog``) are refused only when the seller
  confirms it, after seeing how many (``cdlink.sync.orders.backlog.refuse_backlog``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.translatable import translatable
from cdlink.hub.orders.actions import (
    ACCEPT,
    ALWAYS,
    IN_STOCK,
    REFUSE,
    AcceptancePolicy,
    acceptance_policy,
    actions_of,
)
from cdlink.hub.orders.records import AWAITING_ACCEPTANCE
from cdlink.hub.orders.stock import SHORT, coverage, describe, set_acceptance_issues
from cdlink.hub.orders.sync_events import record
from cdlink.hub.stock.inventory import Inventory
from cdlink.store.models import Order, OrderAction

#: Who an automatic accept or refuse is requested by, in the order's history and the sync log.
AUTOMATIC_ACCEPTANCE = "automatic acceptance"
#: The order's sync events of an automatic decision (``order_sync_events.kind``).
AUTO_ACCEPTED, AUTO_REFUSED = "auto_accepted", "auto_refused"
KIND_LABELS = (translatable("accepted automatically"), translatable("refused automatically"))
COVERED = "the stock covers every line"
ACCEPTS_ALL = "the policy accepts every order"


@dataclass(frozen=True)
class Decision:
    """An action to request on an order (``ACCEPT`` or ``REFUSE``), its payload, and why."""

    kind: str
    payload: dict[str, object] = field(default_factory=dict)
    reason: str = ""
    issues: list[dict[str, Any]] = field(default_factory=list)


def decide(
    session: Session, order: Order, stock: Inventory, policy: AcceptancePolicy | None = None
) -> Decision | None:
    """Apply the connection's acceptance policy (``policy``, read if None) to a waiting order
    nobody has decided yet.

    The order's acceptance issues (lines the stock does not cover) are set on it as a side
    effect, so the seller sees why an order was left waiting or refused.
    """
    if order.status != AWAITING_ACCEPTANCE:
        return None
    if policy is None:
        policy = acceptance_policy(session, order.connection_id)
    if not decides(policy, order.status):
        return None
    if _decided(session, order):
        return None
    issues = coverage(order, stock) if policy.acceptance == IN_STOCK else []
    set_acceptance_issues(order, issues)
    if not issues:
        return Decision(ACCEPT, reason=COVERED if policy.acceptance == IN_STOCK else ACCEPTS_ALL)
    if refuses(policy, order) and refusable(issues):
        return refusal(issues)
    return None


def decides(policy: AcceptancePolicy, status: str) -> bool:
    """Whether ``policy`` decides anything about an order in ``status`` (``decide`` may then
    request an action; otherwise it surely returns None)."""
    return status == AWAITING_ACCEPTANCE and policy.acceptance in {ALWAYS, IN_STOCK}


def refuses(policy: AcceptancePolicy, order: Order) -> bool:
    """Whether automatic refusal applies to ``order``: on, and the order imported since then."""
    since = policy.auto_refuse_since
    return policy.refuses and since is not None and order.imported_at >= since


def refusable(issues: list[dict[str, Any]]) -> bool:
    """Only shortages of managed SKUs justify a refusal: anything else is the seller's call."""
    return bool(issues) and all(issue["kind"] == SHORT for issue in issues)


def refusal(issues: list[dict[str, Any]]) -> Decision:
    reason = "; ".join(describe(issue) for issue in issues)
    return Decision(REFUSE, {"note": reason}, reason=reason, issues=issues)


def undecided(session: Session, connection_id: int) -> list[Order]:
    """The connection's orders waiting for acceptance that nobody has accepted or refused, when
    its policy decides on its own (``always``, ``in_stock``); none under ``manual``.

    The orders stream checks them again at each run (``decide``): the stock that arrived since
    may cover them now, and an order that did not change on the marketplace is not re-imported.
    """
    if acceptance_policy(session, connection_id).acceptance not in {ALWAYS, IN_STOCK}:
        return []
    query = (
        select(Order)
        .where(Order.connection_id == connection_id, Order.status == AWAITING_ACCEPTANCE)
        .where(~select(OrderAction.id).where(_decisive(Order.id)).exists())
        .order_by(Order.imported_at, Order.id)
    )
    return list(session.scalars(query))


def backlog(session: Session, connection_id: int, stock: Inventory) -> list[tuple[Order, Decision]]:
    """The waiting orders automatic refusal would refuse now if it applied to them.

    Every order of the connection waiting for acceptance that nobody has accepted or refused,
    whose stock issues are only shortages of managed SKUs, whatever the current policy and
    whenever it was imported. Read only: nothing is locked or changed.
    """
    query = (
        select(Order)
        .where(Order.connection_id == connection_id, Order.status == AWAITING_ACCEPTANCE)
        .where(~select(OrderAction.id).where(_decisive(Order.id)).exists())
        .order_by(Order.imported_at, Order.id)
    )
    found: list[tuple[Order, Decision]] = []
    for order in session.scalars(query):
        issues = coverage(order, stock, lock=False)
        if refusable(issues):
            found.append((order, refusal(issues)))
    return found


def record_decision(
    session: Session,
    order: Order,
    decision: Decision,
    now: datetime,
    *,
    stream: str,
    run_id: int | None = None,
    backlog: bool = False,
) -> None:
    """Put the automatic decision on the order's timeline, with its reason and the issues."""
    details: dict[str, Any] = {"reason": decision.reason, "issues": decision.issues}
    if backlog:
        details["backlog"] = True
    kind = AUTO_ACCEPTED if decision.kind == ACCEPT else AUTO_REFUSED
    record(session, order, kind, stream=stream, run_id=run_id, fields=[], now=now, details=details)


def _decided(session: Session, order: Order) -> bool:
    return any(action.kind in {ACCEPT, REFUSE} for action in actions_of(session, order.id))


def _decisive(order_id: Any) -> Any:
    return (OrderAction.order_id == order_id) & OrderAction.kind.in_((ACCEPT, REFUSE))
