"""Orders saved with their stock effects, in the caller's transaction.

Every place that saves an imported order (the ``orders`` stream, the read-back of an order
action, the reconciliation) goes through ``save_with_stock``: the order is saved
(``cdlink.hub.orders.records.save_order``), then stock follows the order *as stored*
(``cdlink.hub.orders.stock.follow``): reservations of open lines, units taken once at shipment,
and each changed available-to-sell queued for the stock pusher (``publish_to_outbox``), all in
the same transaction as the order. The order's sync event of this version is recorded too
(``cdlink.hub.orders.sync_events.save_with_events``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.hub.orders.records import OrderDraft
from cdlink.hub.orders.stock import follow
from cdlink.hub.orders.sync_events import save_with_events
from cdlink.hub.stock.inventory import Inventory
from cdlink.store.models import Order
from cdlink.sync.stock.pusher import publish_to_outbox


def inventory(session: Session, clock: Clock) -> Inventory:
    """Stock writes in ``session`` that queue their pushes in the outbox."""
    return Inventory(session, clock, publish_to_outbox)


def save_with_stock(
    session: Session,
    connection_id: int,
    draft: OrderDraft,
    *,
    clock: Clock,
    now: datetime,
    stream: str,
    run_id: int | None,
    order_id: int | None = None,
) -> Order:
    """Save the order and apply its stock effects (see the module docstring)."""
    order = save_with_events(
        session, connection_id, draft, now, order_id, stream=stream, run_id=run_id
    )
    follow(order, inventory(session, clock))
    session.flush()
    return order
