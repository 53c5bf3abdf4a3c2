"""The finance tests' helpers: orders written straight to the store, and the operations and
payouts a marketplace that is right would report for them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.core.clock import ManualClock
from cdlink.hub.finance.reconciliation import next_payout_day
from cdlink.hub.finance.records import OperationDraft, PayoutDraft
from cdlink.jobs.environment import JobEnvironment
from cdlink.sandbox import Sandbox
from cdlink.store.models import (
    CustomerServiceAction,
    FinanceDifference,
    FinanceOperation,
    Order,
    OrderAction,
    OrderLine,
)
from tests.support.octopia_sandbox import connect

DAY = timedelta(days=1)
CENT = Decimal("0.01")


@dataclass
class LineSpec:
    line_id: str
    total: Decimal
    rate: Decimal

    @property
    def commission(self) -> Decimal:
        return (self.total * self.rate / 100).quantize(CENT)


@dataclass
class OrderSpec:
    order_id: str
    lines: list[LineSpec]
    accepted_at: datetime
    delivered: bool = True
    refunded_lines: list[str] = field(default_factory=list)
    """Lines cancelled by the seller in cdlink (a cancel_lines action), refunded."""
    gesture: Decimal | None = None
    """A commercial gesture the seller made in cdlink."""


def add_order(session: Session, connection_id: int, spec: OrderSpec, now: datetime) -> Order:
    order = Order(
        connection_id=connection_id,
        marketplace_order_id=spec.order_id,
        status="Delivered" if spec.delivered else "Accepted",
        marketplace_updated_at=now,
        purchased_at=spec.accepted_at - timedelta(hours=1),
        currency="EUR",
        service_fees_amount=Decimal(0),
        imported_at=now,
        updated_at=now,
    )
    for line in spec.lines:
        order.lines.append(
            OrderLine(
                line_id=line.line_id,
                quantity=1,
                seller_sku=f"SKU-{line.line_id}",
                unit_price=line.total,
                shipping_cost=Decimal(0),
                total_amount=line.total,
                commission_amount=line.commission,
                commission_rate=line.rate,
                status="Cancelled" if line.line_id in spec.refunded_lines else None,
            )
        )
    session.add(order)
    session.flush()
    if spec.refunded_lines:
        session.add(
            OrderAction(
                order_id=order.id,
                kind="cancel_lines",
                payload={"lines": spec.refunded_lines},
                state="done",
                requested_at=now,
            )
        )
    if spec.gesture is not None:
        session.add(
            CustomerServiceAction(
                connection_id=connection_id,
                order_id=order.id,
                kind="gesture",
                amount=spec.gesture,
                payload={"reason": "LateDelivery"},
                state="done",
                requested_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return order


def right_operations(spec: OrderSpec, now: datetime) -> list[OperationDraft]:
    """What a marketplace that is right reports for ``spec`` at ``now``."""
    found = []
    appears = spec.accepted_at + DAY
    for line in spec.lines:
        key = f"{spec.order_id}-{line.line_id}"
        refunded = line.line_id in spec.refunded_lines
        release = appears + DAY if (spec.delivered or refunded) else None
        common = {
            "operation_reference": spec.order_id,
            "marketplace_order_id": spec.order_id,
            "order_line_id": line.line_id,
            "release_payment_date": release,
        }
        found.append(OperationDraft(f"S-{key}", "Sale", appears, line.total, **common))  # type: ignore[arg-type]
        found.append(
            OperationDraft(
                f"C-{key}",
                "Commission",
                appears,
                -line.commission,
                commission=line.commission,
                commission_rate=line.rate,
                **common,  # type: ignore[arg-type]
            )
        )
        if refunded:
            found.append(
                OperationDraft(
                    f"R-{key}",
                    "Refund",
                    appears + DAY,
                    line.commission - line.total,
                    commission=line.commission,
                    **common,  # type: ignore[arg-type]
                )
            )
    if spec.gesture is not None:
        found.append(
            OperationDraft(
                f"G-{spec.order_id}",
                "Refund",
                appears + DAY,
                -spec.gesture,
                operation_reference=spec.order_id,
                marketplace_order_id=spec.order_id,
                release_payment_date=appears + DAY,
            )
        )
    return [_paid(draft, now) for draft in found if draft.operation_date <= now]


def _paid(draft: OperationDraft, now: datetime) -> OperationDraft:
    if draft.release_payment_date is None:
        return draft
    day = next_payout_day(draft.release_payment_date)
    state = "Paid" if now >= day + DAY else "Estimated"
    return OperationDraft(
        **{**draft.__dict__, "payment_id": f"P-{day:%Y%m%d}", "payment_state": state}
    )


def payouts_of(operations: list[OperationDraft], *, unsigned: bool = False) -> list[PayoutDraft]:
    totals: dict[str, list[Decimal | int | str]] = {}
    for draft in operations:
        if draft.payment_id is None:
            continue
        entry = totals.setdefault(draft.payment_id, [Decimal(0), 0, str(draft.payment_state)])
        entry[0] = Decimal(entry[0]) + draft.amount
        entry[1] = int(entry[1]) + 1
    found = []
    for payment_id, (amount, count, state) in totals.items():
        day = datetime.strptime(payment_id[2:], "%Y%m%d").replace(tzinfo=UTC)
        value = Decimal(amount)
        found.append(
            PayoutDraft(
                payment_id,
                day,
                str(state),
                abs(value) if unsigned else value,
                operation_count=int(count),
            )
        )
    return found


def run_until_success(shop: JobEnvironment, stream: str, attempts: int = 10) -> None:
    """Run ``stream`` as the scheduler would after each failure, until a run succeeds."""
    assert isinstance(shop.clock, ManualClock)
    messages = []
    for _ in range(attempts):
        report = shop.runner().run(1, stream)
        if report.outcome == "succeeded":
            return
        messages.append(report.message)
        shop.clock.advance(61)
    raise AssertionError(f"the {stream} stream never succeeded: {messages[-1]}")


def import_finance(shop: JobEnvironment) -> None:
    run_until_success(shop, "orders")
    run_until_success(shop, "finance")


def stored_operations(shop: JobEnvironment) -> Counter[str]:
    with shop.database.reading() as session:
        return Counter(session.scalars(select(FinanceOperation.operation_id)))


def marketplace_operations(sandbox: Sandbox) -> set[str]:
    with connect(sandbox) as client:
        return {op.operation_id for op in client.finance.operations(None, None)}


def stored_differences(shop: JobEnvironment) -> set[tuple[str, str]]:
    with shop.database.reading() as session:
        rows = session.scalars(select(FinanceDifference))
        return {(row.kind, row.reference) for row in rows}


def planted(sandbox: Sandbox) -> set[tuple[str, str]]:
    found = sandbox.finance_discrepancies()
    return {("commission", item["operationId"]) for item in found["wrongCommissions"]} | {
        ("unpaid_sale", item["operationId"]) for item in found["unpaidSales"]
    }
