"""Reconciliation: the marketplace's orders of the last N days against the local ones.

The ``orders_reconciliation`` stream (hourly by default) lists every order the marketplace
created in the last ``days`` and compares it with the connection's local orders and bindings:

- missing: listed by the marketplace, not stored locally (or stored but not bound) — healed by
  saving and binding it, as the orders stream would have;
- duplicated: one marketplace order stored or bound more than once — reported (the unique
  constraints should make it impossible; a non-zero count means something bypassed them).

Only orders the ``orders`` stream has already read past (their ``updatedAt`` is before its
cursor's watermark) are expected locally: newer ones are that stream's next run, not missing.
A new order the connection's import filter keeps out (``cdlink.hub.orders.import_filters``) is
not expected either. The report (counts on the run, one line in the activity log) must read
0 / 0 after healing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.orders.import_filters import import_filter
from cdlink.octopia import OrderQuery
from cdlink.octopia.models import Order as MarketplaceOrder
from cdlink.store.models import Binding, Order
from cdlink.sync.engine.runs import log
from cdlink.sync.engine.streams import Stream, StreamContext
from cdlink.sync.engine.windows import merge, watermark
from cdlink.sync.orders.mapping import order_draft
from cdlink.sync.orders.stock import save_with_stock
from cdlink.sync.orders.stream import OrdersImporter, rebind


@dataclass
class ReconciliationReport:
    """What a reconciliation found and healed."""

    marketplace: int = 0
    local: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    healed: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.missing)} missing / {len(self.duplicated)} duplicated "
            f"({self.marketplace} on the marketplace, {self.local} here, {self.healed} healed)"
        )


class OrdersReconciliation(Stream):
    """Compares and heals; see the module docstring."""

    name = "orders_reconciliation"
    default_interval = 3600
    #: How far back the marketplace's orders are compared.
    days: ClassVar[int] = 14

    def run(self, context: StreamContext) -> None:
        since = context.clock.now() - timedelta(days=self.days)
        query = OrderQuery(created_at_min=since)
        remote = {
            order.order_id: order
            for page in context.until_stopped(context.client().orders.list_pages(query))
            for order in page.items
        }
        with context.transaction() as session:
            # Orders changed after what the orders stream has read are its work, not missing.
            finished = merge(OrdersImporter().cursor(context).finished(session))
            expected = {}
            if finished:
                read_up_to = watermark(finished, finished[0].start)
                expected = {
                    key: item for key, item in remote.items() if item.updated_at <= read_up_to
                }
            expected = admitted(session, context.connection_id, expected)
            report = reconcile(session, context, expected, since)
            log(
                session,
                connection_id=context.connection_id,
                kind="orders.reconciled",
                level="warning" if report.missing or report.duplicated else "info",
                message=f"orders of the last {self.days} days: {report.summary()}",
                now=context.clock.now(),
                details={"missing": report.missing, "duplicated": report.duplicated},
            )
        context.count(
            marketplace=report.marketplace,
            local=report.local,
            missing=len(report.missing),
            duplicated=len(report.duplicated),
            healed=report.healed,
        )


def reconcile(
    session: Session,
    context: StreamContext,
    remote: dict[str, MarketplaceOrder],
    since: datetime,
) -> ReconciliationReport:
    """Compare ``remote`` with the local orders and bindings; heal what is missing."""
    connection_id = context.connection_id
    local = Counter(
        session.scalars(
            select(Order.marketplace_order_id).where(
                Order.connection_id == connection_id, Order.purchased_at >= since
            )
        )
    )
    bound = Counter(
        session.scalars(
            select(Binding.external_id).where(
                Binding.connection_id == connection_id, Binding.kind == "order"
            )
        )
    )
    report = ReconciliationReport(marketplace=len(remote), local=sum(local.values()))
    report.duplicated = sorted(
        key for key in set(local) | set(bound) if local[key] > 1 or bound[key] > 1
    )
    for order_id in sorted(remote):
        if bound[order_id] and (local[order_id] or _stored(session, connection_id, order_id)):
            continue
        report.missing.append(order_id)
        order = save_with_stock(
            session,
            connection_id,
            order_draft(remote[order_id]),
            clock=context.clock,
            now=context.clock.now(),
            stream=OrdersReconciliation.name,
            run_id=context.run_id,
        )
        rebind(session, context, order_id, order.id)
        report.healed += 1
    return report


def admitted(
    session: Session, connection_id: int, remote: dict[str, MarketplaceOrder]
) -> dict[str, MarketplaceOrder]:
    """The orders the connection imports: bound ones, and new ones its filter admits."""
    admits = import_filter(session, connection_id)
    if admits.is_open:
        return remote
    bound = set(
        session.scalars(
            select(Binding.external_id).where(
                Binding.connection_id == connection_id, Binding.kind == "order"
            )
        )
    )
    return {
        key: item
        for key, item in remote.items()
        if key in bound or admits.admits(str(item.status), item.purchased_at or item.created_at)
    }


def _stored(session: Session, connection_id: int, order_id: str) -> bool:
    query = select(Order.id).where(
        Order.connection_id == connection_id, Order.marketplace_order_id == order_id
    )
    return session.scalars(query).first() is not None
