"""What a seller may ask of an order (accept, refuse, ship, cancel, re-sync); the acceptance policy.

An action is checked against the order's status, then recorded (``order_actions``, state
``pending``) before anything is sent; the sync engine sends it (``cdlink.sync.orders.actions``)
and records the outcome here (``done`` or ``failed`` with the marketplace's reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.hub.orders import shipments
from cdlink.hub.orders.cancellation_reasons import reasons_for
from cdlink.store.models import Order, OrderAction, OrderSettings

ACCEPT, REFUSE, SHIP, CANCEL, CANCEL_LINES, RESYNC = (
    "accept",
    "refuse",
    "ship",
    "cancel",
    "cancel_lines",
    "resync",
)
ACTIONS = (ACCEPT, REFUSE, SHIP, CANCEL, CANCEL_LINES, RESYNC)
PENDING, DONE, FAILED = "pending", "done", "failed"
#: manual: the seller decides; in_stock: accepted when stock covers every line (see
#: ``cdlink.hub.orders.acceptance``); always: every order accepted.
MANUAL, IN_STOCK, ALWAYS = "manual", "in_stock", "always"
POLICIES = (MANUAL, IN_STOCK, ALWAYS)

#: The statuses an action is allowed from (None: any).
_ALLOWED: dict[str, tuple[str, ...] | None] = {
    ACCEPT: ("WaitingAcceptance",),
    REFUSE: ("WaitingAcceptance",),
    # The marketplace takes a shipment only once the order is InPreparation (shortly after
    # acceptance); an Accepted order refuses it with a conflict.
    SHIP: ("InPreparation",),
    CANCEL: ("WaitingAcceptance", "Accepted", "InPreparation"),
    CANCEL_LINES: ("WaitingAcceptance", "Accepted", "InPreparation"),
    RESYNC: None,
}
#: What to do when an action is asked a moment too early.
_NOT_YET: dict[tuple[str, str], str] = {
    (SHIP, "Accepted"): (
        "The marketplace moves an accepted order to InPreparation within minutes;"
        " ship it then (Re-sync shows its current status)."
    ),
}
#: Statuses that show an action took effect, when its answer was lost or came as a conflict.
ACHIEVED: dict[str, tuple[str, ...]] = {
    ACCEPT: ("Accepted", "InPreparation", "Shipped", "Delivered"),
    REFUSE: ("Refused",),
    SHIP: ("Shipped", "Delivered"),
    CANCEL: ("Cancelled",),
}


#: The actions the marketplace's 2xx answer confirms on its own: the order is not read back, the
#: orders stream brings its new status (an accept or a refuse moves the order and nothing else).
#: The session's ``info`` key of the orders its transaction knows to have no action.
_WITHOUT_ACTIONS = "cdlink.orders_without_actions"
CONFIRMED_BY_ANSWER = frozenset({ACCEPT, REFUSE})
#: The outcome of such an action once answered: confirmed, the order's new status still to come.
CONFIRMED = "confirmed by the marketplace; the order's new status comes with the next orders sync"


class OrderActionError(CdlinkError):
    """The action cannot be asked of this order now; nothing was recorded or sent."""

    default_hint = "Re-sync the order to see its current status, then choose another action."


def check(order: Order, kind: str, payload: dict[str, Any]) -> None:
    """Raise ``OrderActionError`` unless ``kind`` may be asked of ``order`` with ``payload``."""
    if kind not in _ALLOWED:
        raise OrderActionError(f"unknown order action {kind!r}", hint=f"Use one of {ACTIONS}.")
    allowed = _ALLOWED[kind]
    if allowed is not None and order.status not in allowed:
        raise OrderActionError(
            f"an order in status {order.status} cannot be sent {kind!r}",
            hint=_NOT_YET.get((kind, order.status)),
        )
    if kind in {CANCEL, CANCEL_LINES} and not payload.get("reason"):
        raise OrderActionError(
            "a cancellation needs a reason", hint="Choose one of the marketplace's reasons."
        )
    if kind == SHIP:
        _check_shipment(order, payload)
    if kind == CANCEL_LINES:
        known = {line.line_id for line in order.lines}
        lines = payload.get("lines") or []
        if not lines or not set(lines) <= known:
            raise OrderActionError(
                "a partial cancellation names lines of the order", hint="Pick at least one line."
            )
    if kind in {CANCEL, CANCEL_LINES}:
        _check_reason(order, str(payload["reason"]))
    recorded = _recorded(order)
    if _pending(kind, recorded):
        raise OrderActionError(f"{kind!r} was already asked and is being sent")
    if kind in CONFIRMED_BY_ANSWER and _answered(order, recorded):
        raise OrderActionError(
            "the marketplace already confirmed an acceptance or refusal of this order",
            hint="Its new status comes with the next orders sync; Re-sync reads it now.",
        )


def allowed(order: Order, kind: str) -> bool:
    """Whether ``kind`` may be asked now, its payload aside (what the pages offer as buttons)."""
    statuses = _ALLOWED.get(kind, ())
    if statuses is not None and order.status not in statuses:
        return False
    recorded = _recorded(order)
    if kind in CONFIRMED_BY_ANSWER and _answered(order, recorded):
        return False
    return not _pending(kind, recorded)


def awaiting_status(action: OrderAction, order: Order) -> bool:
    """Whether the marketplace confirmed ``action`` and the order's stored status is still the
    one it was asked from: its new status comes with the next orders sync."""
    if action.kind not in CONFIRMED_BY_ANSWER or action.state != DONE:
        return False
    return action.outcome == CONFIRMED and order.status in (_ALLOWED[action.kind] or ())


def _check_reason(order: Order, reason: str) -> None:
    """The reason must be one the marketplace offers for the order's status (fetched, cached)."""
    session = Session.object_session(order)
    if session is None:
        return  # an order not yet stored: nothing to cancel on the marketplace anyway
    offered = [item.code for item in reasons_for(session, order.connection_id, order.status)]
    if not offered:
        raise OrderActionError(
            f"the marketplace's cancellation reasons for {order.status} orders are not known yet",
            hint="Refresh the cancellation reasons (order settings, or "
            "`cdlink sync run -s cancellation_reasons`), then cancel again.",
        )
    if reason not in offered:
        raise OrderActionError(
            f"{reason!r} is not a cancellation reason for {order.status} orders",
            hint=f"Choose one of: {', '.join(offered)}.",
        )


def record(
    session: Session,
    order: Order,
    kind: str,
    payload: dict[str, Any],
    *,
    requested_by: str | None,
    now: datetime,
) -> OrderAction:
    """Check the action and record it as pending (the caller queues it for sending)."""
    return record_many(session, [(order, kind, payload)], requested_by=requested_by, now=now)[0]


def record_many(
    session: Session,
    requests: Sequence[tuple[Order, str, dict[str, Any]]],
    *,
    requested_by: str | None,
    now: datetime,
) -> list[OrderAction]:
    """``record`` for each (order, kind, payload), with one flush for them all (their ids are
    then known). Each is checked against the ones before it: the second request of an action
    for the same order finds the first one pending."""
    actions: list[OrderAction] = []
    for order, kind, asked in requests:
        check(order, kind, asked)
        payload = shipments.normalise(session, order, asked) if kind == SHIP else asked
        _without_actions(session).discard(order.id)
        action = OrderAction(
            order_id=order.id,
            kind=kind,
            payload=payload,
            state=PENDING,
            requested_by=requested_by,
            requested_at=now,
        )
        session.add(action)
        actions.append(action)
    session.flush()
    return actions


def finish(action: OrderAction, *, succeeded: bool, outcome: str, now: datetime) -> None:
    action.state = DONE if succeeded else FAILED
    action.outcome = outcome
    action.finished_at = now


def actions_of(session: Session, order_id: int) -> list[OrderAction]:
    if order_id in _without_actions(session):
        return []
    query = select(OrderAction).where(OrderAction.order_id == order_id).order_by(OrderAction.id)
    return list(session.scalars(query))


def none_recorded_yet(session: Session, order_ids: Iterable[int]) -> None:
    """Note that the orders of ``order_ids``, inserted in this transaction, have no action yet:
    the checks of this transaction then skip their query for them (a page of new orders, each
    accepted by the policy, costs no read per order). ``record`` forgets an order it records an
    action for; the note ends with the transaction."""
    _without_actions(session).update(order_ids)


def _without_actions(session: Session) -> set[int]:
    """The orders this transaction knows to have no action (``none_recorded_yet``)."""
    transaction = session.get_transaction()
    noted = session.info.get(_WITHOUT_ACTIONS)
    if noted is None or noted[0] is not transaction:
        noted = session.info[_WITHOUT_ACTIONS] = (transaction, set())
    ids: set[int] = noted[1]
    return ids


@dataclass(frozen=True)
class AcceptancePolicy:
    """How a connection's orders waiting for acceptance are handled."""

    acceptance: str = MANUAL
    #: With ``in_stock``: refuse an order stock does not cover, instead of leaving it to the seller.
    auto_refuse: bool = False
    #: Since when automatic refusal applies (orders imported from then on); None while it is off.
    auto_refuse_since: datetime | None = None

    @property
    def refuses(self) -> bool:
        """Whether orders the stock does not cover are refused (``in_stock`` and the switch)."""
        return self.acceptance == IN_STOCK and self.auto_refuse


def acceptance_policy(session: Session, connection_id: int) -> AcceptancePolicy:
    settings = session.get(OrderSettings, connection_id)
    if settings is None:
        return AcceptancePolicy()
    return _policy(settings)


def _policy(settings: OrderSettings) -> AcceptancePolicy:
    return AcceptancePolicy(settings.acceptance, settings.auto_refuse, settings.auto_refuse_since)


def set_acceptance_policy(
    session: Session,
    connection_id: int,
    policy: str,
    now: datetime,
    *,
    auto_refuse: bool | None = None,
) -> AcceptancePolicy:
    """Set the policy (and the automatic refusal; None keeps it); returns the new settings.

    Switching automatic refusal on (``in_stock`` with ``auto_refuse``) starts it at ``now``: it
    refuses the orders imported from then on, never the ones already waiting, which only
    ``cdlink.sync.orders.backlog.refuse_backlog`` refuses, when the seller confirms it.
    """
    if policy not in POLICIES:
        raise OrderActionError(
            f"unknown acceptance policy {policy!r}", hint=f"Use one of {', '.join(POLICIES)}."
        )
    settings = session.get(OrderSettings, connection_id)
    if settings is None:
        settings = OrderSettings(connection_id=connection_id, auto_refuse=False)
        session.add(settings)
    was_refusing = _policy(settings).refuses and settings.auto_refuse_since is not None
    settings.acceptance = policy
    if auto_refuse is not None:
        settings.auto_refuse = auto_refuse
    if not _policy(settings).refuses:
        settings.auto_refuse_since = None
    elif not was_refusing:
        settings.auto_refuse_since = now
    settings.updated_at = now
    session.flush()
    return _policy(settings)


def _check_shipment(order: Order, payload: dict[str, Any]) -> None:
    """The parcels' carriers, tracking numbers and lines (``cdlink.hub.orders.shipments``)."""
    session = Session.object_session(order)
    if session is not None:
        shipments.normalise(session, order, payload)


def _recorded(order: Order) -> list[tuple[str, str, str | None]]:
    """The order's actions as (kind, state, outcome): one query for the checks below."""
    session = Session.object_session(order)
    if session is None or order.id is None or order.id in _without_actions(session):
        return []
    query = select(OrderAction.kind, OrderAction.state, OrderAction.outcome).where(
        OrderAction.order_id == order.id
    )
    return [(kind, state, outcome) for kind, state, outcome in session.execute(query)]


def _answered(order: Order, recorded: list[tuple[str, str, str | None]]) -> bool:
    """Whether an accept or refuse of ``order`` was confirmed, its new status still to come."""
    return order.status in (_ALLOWED[ACCEPT] or ()) and any(
        kind in CONFIRMED_BY_ANSWER and state == DONE and outcome == CONFIRMED
        for kind, state, outcome in recorded
    )


def _pending(kind: str, recorded: list[tuple[str, str, str | None]]) -> bool:
    return any(each == kind and state == PENDING for each, state, _ in recorded)
