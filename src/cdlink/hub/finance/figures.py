"""What an order earned: per line its price, the commission the order announced and the one
charged, fees, refunds and the net; per order the same totals and, when every sold SKU has a
cost price, the margin.

Everything comes from the operations stored for the order (one indexed query) and the order's
lines; amounts are ``Decimal``, summed in cents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.finance.money import from_cents
from cdlink.hub.finance.reconciliation import CANCELLED_LINE_STATUSES
from cdlink.hub.finance.records import COMMISSION, LOGISTIC_FEE, REFUND, SALE
from cdlink.store.models import FinanceOperation, Order, ProductCost


@dataclass
class LineFinance:
    line_id: str
    seller_sku: str | None
    quantity: int
    price: Decimal
    expected_commission: Decimal | None
    sales: Decimal = Decimal("0.00")
    charged_commission: Decimal = Decimal("0.00")
    fees: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")
    cost: Decimal | None = None

    @property
    def commission_difference(self) -> Decimal | None:
        if self.expected_commission is None or not self.sales:
            return None
        return self.charged_commission - self.expected_commission


@dataclass
class OrderFinance:
    currency: str
    lines: list[LineFinance] = field(default_factory=list)
    gestures: Decimal = Decimal("0.00")
    """Refunds of the whole order (commercial gestures), not of one line."""
    operations: int = 0
    last_operation_at: datetime | None = None

    @property
    def price(self) -> Decimal:
        return sum((line.price for line in self.lines), Decimal("0.00"))

    @property
    def expected_commission(self) -> Decimal | None:
        known = [line.expected_commission for line in self.lines]
        if any(value is None for value in known):
            return None
        return sum((value for value in known if value is not None), Decimal("0.00"))

    @property
    def charged_commission(self) -> Decimal:
        return sum((line.charged_commission for line in self.lines), Decimal("0.00"))

    @property
    def fees(self) -> Decimal:
        return sum((line.fees for line in self.lines), Decimal("0.00"))

    @property
    def refunds(self) -> Decimal:
        return sum((line.refunds for line in self.lines), self.gestures)

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), self.gestures)

    @property
    def cost(self) -> Decimal | None:
        costs = [line.cost for line in self.lines]
        if not costs or any(value is None for value in costs):
            return None
        return sum((value for value in costs if value is not None), Decimal("0.00"))

    @property
    def margin(self) -> Decimal | None:
        """Net revenue less the cost of the units kept by the customer; None without costs or
        before any operation."""
        cost = self.cost
        if cost is None or not self.operations:
            return None
        return self.net - cost


def order_finance(session: Session, order: Order) -> OrderFinance:
    query = select(FinanceOperation).where(
        FinanceOperation.connection_id == order.connection_id,
        FinanceOperation.marketplace_order_id == order.marketplace_order_id,
    )
    operations = list(session.scalars(query))
    skus = [line.seller_sku for line in order.lines if line.seller_sku]
    costs = (
        {
            row.seller_sku: row.cost
            for row in session.scalars(select(ProductCost).where(ProductCost.seller_sku.in_(skus)))
        }
        if skus
        else {}
    )
    result = OrderFinance(order.currency)
    lines: dict[str, LineFinance] = {}
    for line in order.lines:
        kept = line.status not in CANCELLED_LINE_STATUSES
        unit = costs.get(line.seller_sku) if line.seller_sku else None
        figures = LineFinance(
            line.line_id,
            line.seller_sku,
            line.quantity,
            line.total_amount,
            line.commission_amount,
            cost=None if unit is None else (unit * line.quantity if kept else Decimal("0.00")),
        )
        lines[line.line_id] = figures
        result.lines.append(figures)
    cents: dict[str, dict[str, int]] = {}
    gestures = 0
    for operation in operations:
        result.operations += 1
        if result.last_operation_at is None or operation.operation_date > result.last_operation_at:
            result.last_operation_at = operation.operation_date
        line_id = operation.order_line_id
        if line_id is None or line_id not in lines:
            if operation.event_type == REFUND:
                gestures += operation.amount_cents
            continue
        bucket = cents.setdefault(
            line_id, {"sales": 0, "commission": 0, "fees": 0, "refunds": 0, "net": 0}
        )
        bucket["net"] += operation.amount_cents
        if operation.event_type == SALE:
            bucket["sales"] += operation.amount_cents
        elif operation.event_type == COMMISSION:
            bucket["commission"] += (
                operation.commission_cents
                if operation.commission_cents is not None
                else -operation.amount_cents
            )
        elif operation.event_type == REFUND:
            bucket["refunds"] += operation.amount_cents
        elif operation.event_type == LOGISTIC_FEE:
            bucket["fees"] -= operation.amount_cents
        else:
            bucket["fees"] -= operation.amount_cents
    for line_id, bucket in cents.items():
        figures = lines[line_id]
        figures.sales = from_cents(bucket["sales"])
        figures.charged_commission = from_cents(bucket["commission"])
        figures.fees = from_cents(bucket["fees"])
        figures.refunds = from_cents(bucket["refunds"])
        figures.net = from_cents(bucket["net"])
    result.gestures = from_cents(gestures)
    return result
