"""An order's timeline: what the sync engine did to it, one list by time, for page and API.

Three sources, merged: the order's sync events (imported, updated, ignored, and the automatic
decisions ``auto_accepted`` / ``auto_refused`` with their reason: ``order_sync_events``),
its quarantine entries (a version that could not be imported), and the actions asked of it
(recorded, then sent with their outcome), customer service's included (replies, closings,
refunds and gestures about the order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cdlink.hub.customer_service.queries import actions_of as customer_service_actions
from cdlink.hub.orders.actions import actions_of
from cdlink.hub.orders.sync_events import events_of
from cdlink.store.models import CustomerServiceAction, Order, OrderAction, QuarantinedRecord
from cdlink.sync.engine import quarantine

QUARANTINED, ACTION = "quarantined", "action"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to the order; ``kind`` is a sync event's, quarantined or action."""

    kind: str
    at: datetime
    stream: str | None = None
    run_id: int | None = None
    changed_fields: list[str] = field(default_factory=list)
    quarantined: QuarantinedRecord | None = None
    action: OrderAction | CustomerServiceAction | None = None
    #: Why cdlink accepted or refused the order by itself (automatic decisions only).
    reason: str | None = None
    #: The stock issues behind an automatic refusal (the page words them in the language).
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def details(self) -> str | None:
        """The entry in one line of English, for the API (the page words it in the language)."""
        if self.reason is not None:
            return self.reason
        if self.quarantined is not None:
            resolved = " (resolved)" if self.quarantined.resolved_at else ""
            return f"{self.quarantined.reason}{resolved}"
        if self.action is not None:
            outcome = f" — {self.action.outcome}" if self.action.outcome else ""
            return f"{self.action.kind}: {self.action.state}{outcome}"
        return None


def timeline(
    session: Session, order: Order, actions: list[OrderAction] | None = None
) -> list[TimelineEntry]:
    """Everything the engine did to ``order``, oldest first (``actions`` if already read)."""
    entries = [
        TimelineEntry(
            kind=event.kind,
            at=event.recorded_at,
            stream=event.stream,
            run_id=event.run_id,
            changed_fields=list(event.changed_fields or []),
            reason=(event.details or {}).get("reason"),
            issues=list((event.details or {}).get("issues") or []),
        )
        for event in events_of(session, order.id)
    ]
    entries += [
        TimelineEntry(
            kind=QUARANTINED, at=entry.last_seen_at, stream=entry.stream, quarantined=entry
        )
        for entry in quarantine.entries_for(
            session, order.connection_id, order.marketplace_order_id
        )
    ]
    entries += [
        TimelineEntry(
            kind=ACTION,
            at=action.finished_at or action.requested_at,
            stream="order_actions",
            action=action,
        )
        for action in (actions if actions is not None else actions_of(session, order.id))
    ]
    entries += [
        TimelineEntry(kind=ACTION, at=action.finished_at or action.requested_at, action=action)
        for action in customer_service_actions(session, order_id=order.id)
    ]
    return sorted(entries, key=lambda entry: entry.at)
