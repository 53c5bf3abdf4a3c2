"""Finance (reference §6.6, addendum §3): operations, payouts and commission invoices.

Everything is derived from the shop's orders, refunds and gestures on the sandbox clock, so
that it can never disagree with them (except where a discrepancy is planted on purpose):

- An accepted line gives a ``Sale`` (the offer price with shipping) and a ``Commission`` (at the
  line's commission rate), dated the day after acceptance (data is available D+1). A line
  cancelled or refunded after acceptance gives a ``Refund`` (the sale back, the commission
  returned); an accepted commercial gesture gives a ``Refund`` of its amount; a shipped
  fulfilment line a ``LogisticFee``; every month's 1st a ``Subscription``.
- ``operationDate`` is when the operation appears and never changes: every operation dated up
  to now is already there, so windows on it are final (an exactly-once import).
- A sale (and its commission) is released for payment when the line is delivered (or when it is
  refunded: both then net out); other operations when they appear. A payout on the 1st, 11th
  and 21st (``payout_schedule``) pays what was released before it: ``Estimated`` until its day,
  ``InProcess`` that day, ``Paid`` after; its amount is the sum of its operations to the cent.
- A commission invoice on the 9th, 19th and 29th lists the commissions, fees and subscriptions
  that appeared since the previous one.

Planted discrepancies (``FinanceSettings``): the first ``wrong_commission_orders`` accepted
orders have their first line charged ``wrong_commission_extra_percent`` points too much; the
first ``unpaid_sales`` delivered lines of other orders are ``Blocked`` and never paid.
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from cdlink.sandbox.config import FinanceSettings
from cdlink.sandbox.model import Order, OrderLine
from cdlink.sandbox.pricing import HUNDRED, cents, line_offer_total, vat_included
from cdlink.sandbox.shop import SellerShop

DAY = timedelta(days=1)
PAYOUT_DAYS = (1, 11, 21)
INVOICE_DAYS = (9, 19, 29)
CREDITS = frozenset({"Sale"})
INVOICED = frozenset({"Commission", "Subscription", "LogisticFee"})
STANDARD_VAT = Decimal(20)
EVENT_TYPES = ("Sale", "Commission", "Refund", "Subscription", "LogisticFee")
PAYMENT_STATES = ("NotPayable", "Estimated", "Paid", "Blocked", "InProcess")


@dataclasses.dataclass(frozen=True)
class Part:
    """A sub-object (``sale``, ``commission``, ``refund``): an amount with VAT, positive."""

    with_vat: Decimal
    vat: Decimal
    rate: Decimal | None = None


@dataclasses.dataclass
class Operation:
    operation_id: str
    event_type: str
    reference: str
    order_id: str | None
    line_id: str | None
    seller_product_id: str | None
    operation_date: datetime
    amount: Decimal
    """Signed from the seller's side, VAT included."""
    vat: Decimal
    parts: dict[str, Part]
    release_date: datetime | None = None
    payment_id: str | None = None
    payment_state: str = "NotPayable"
    invoice_id: str | None = None


@dataclasses.dataclass
class Payment:
    payment_id: str
    payment_date: datetime
    state: str
    amount: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    operations: int = 0


@dataclasses.dataclass
class Invoice:
    invoice_id: str
    invoice_date: datetime
    period_start: datetime
    lines: list[Operation] = dataclasses.field(default_factory=list)

    @property
    def with_vat(self) -> Decimal:
        return sum((-line.amount for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((-line.vat for line in self.lines), Decimal("0.00"))


@dataclasses.dataclass
class Planted:
    wrong_commissions: list[tuple[str, str, Decimal, Decimal]]
    """(order id, line id, true rate, charged rate)"""
    unpaid_sales: list[tuple[str, str]]


@dataclasses.dataclass
class Ledger:
    operations: list[Operation]
    payments: dict[str, Payment]
    invoices: dict[str, Invoice]
    planted: Planted


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def first_event(events: Iterable[tuple[str, datetime]], status: str) -> datetime | None:
    return next((moment for name, moment in events if name == status), None)


def next_calendar_day(moment: datetime, days: tuple[int, ...]) -> datetime:
    """The first midnight strictly after ``moment`` that falls on one of ``days``."""
    return _next_day(moment.astimezone(UTC).date(), days)


@functools.lru_cache(maxsize=4096)
def _next_day(today: date, days: tuple[int, ...]) -> datetime:
    day = today + DAY
    while day.day not in days:
        day += DAY
    return midnight(day)


def previous_calendar_day(moment: datetime, days: tuple[int, ...]) -> datetime:
    day = moment.astimezone(UTC).date() - DAY
    while day.day not in days:
        day -= DAY
    return midnight(day)


def invoice_id(shop: SellerShop, invoice_date: datetime) -> str:
    return f"14{invoice_date:%y%m%d}{shop.seller_id % 100:02d}"


def commission_vat(with_vat: Decimal) -> Decimal:
    return cents(with_vat - with_vat / (1 + STANDARD_VAT / HUNDRED))


def plant(shop: SellerShop, settings: FinanceSettings) -> Planted:
    accepted: list[tuple[datetime, str, OrderLine]] = []
    delivered: list[tuple[datetime, str, str]] = []
    for order in shop.orders.values():
        line = order.lines[0] if order.lines else None
        moment = first_event(line.status_events, "Accepted") if line else None
        if line is not None and moment is not None:
            accepted.append((moment, order.order_id, line))
        for each in order.lines:
            done = first_event(each.status_events, "Delivered")
            if done is not None and first_event(each.status_events, "Cancelled") is None:
                delivered.append((done, order.order_id, each.line_id))
    accepted.sort(key=lambda item: (item[0], item[1]))
    wrong = [
        (
            order_id,
            line.line_id,
            line.commission_percent,
            line.commission_percent + settings.wrong_commission_extra_percent,
        )
        for _, order_id, line in accepted[: settings.wrong_commission_orders]
    ]
    skip = {order_id for order_id, *_ in wrong}
    delivered.sort()
    unpaid = [(order_id, line_id) for _, order_id, line_id in delivered if order_id not in skip]
    return Planted(wrong, unpaid[: settings.unpaid_sales])


def order_operations(order: Order, planted: Planted, fees: FinanceSettings) -> list[Operation]:
    rates = {(o, line): charged for o, line, _, charged in planted.wrong_commissions}
    unpaid = set(planted.unpaid_sales)
    found: list[Operation] = []
    for line in order.lines:
        accepted = first_event(line.status_events, "Accepted")
        if accepted is None:
            continue
        key = f"{order.order_id}-{line.line_id}"
        total = line_offer_total(line)
        rate = rates.get((order.order_id, line.line_id), line.commission_percent)
        commission = cents(total * rate / HUNDRED)
        cancelled = first_event(line.status_events, "Cancelled")
        delivered = first_event(line.status_events, "Delivered")
        appears = accepted + DAY
        released = delivered or cancelled
        release = None if released is None else max(released, appears)
        sale = Operation(
            f"S-{key}",
            "Sale",
            order.order_id,
            order.order_id,
            line.line_id,
            line.seller_external_reference,
            appears,
            total,
            vat_included(total, line.vat_percent),
            {"sale": Part(total, vat_included(total, line.vat_percent))},
            release,
        )
        if (order.order_id, line.line_id) in unpaid:
            sale.payment_state = "Blocked"
        charged = Part(commission, commission_vat(commission), rate)
        found.append(sale)
        found.append(
            Operation(
                f"C-{key}",
                "Commission",
                order.order_id,
                order.order_id,
                line.line_id,
                line.seller_external_reference,
                appears,
                -commission,
                -charged.vat,
                {"commission": charged},
                release,
            )
        )
        if cancelled is not None and cancelled >= accepted:
            back = Part(total, vat_included(total, line.vat_percent))
            refund_date = cancelled + DAY
            found.append(
                Operation(
                    f"R-{key}",
                    "Refund",
                    order.order_id,
                    order.order_id,
                    line.line_id,
                    line.seller_external_reference,
                    refund_date,
                    commission - total,
                    charged.vat - back.vat,
                    {"refund": back, "commission": charged},
                    refund_date,
                )
            )
        shipped = first_event(line.status_events, "Shipped")
        if order.supply_mode == "Fulfillment" and shipped is not None:
            fee = cents(fees.logistic_fee_per_unit * line.quantity * Decimal("1.2"))
            fee_date = shipped + DAY
            found.append(
                Operation(
                    f"L-{key}",
                    "LogisticFee",
                    order.order_id,
                    order.order_id,
                    line.line_id,
                    line.seller_external_reference,
                    fee_date,
                    -fee,
                    -commission_vat(fee),
                    {},
                    fee_date,
                )
            )
    return found


def gesture_operations(shop: SellerShop) -> list[Operation]:
    found = []
    for gesture in shop.gestures:
        order = shop.orders.get(gesture.order_id)
        if gesture.status != "Accepted" or order is None:
            continue
        rate = order.lines[0].vat_percent if order.lines else STANDARD_VAT
        back = Part(gesture.amount, vat_included(gesture.amount, rate))
        moment = gesture.updated_at + DAY
        found.append(
            Operation(
                f"G-{gesture.request_id}",
                "Refund",
                order.order_id,
                order.order_id,
                None,
                None,
                moment,
                -back.with_vat,
                -back.vat,
                {"refund": back},
                moment,
            )
        )
    return found


def subscription_operations(
    shop: SellerShop, settings: FinanceSettings, now: datetime
) -> list[Operation]:
    fee = cents(settings.subscription_without_vat * Decimal("1.2"))
    found: list[Operation] = []
    day = shop.created_at.astimezone(UTC).date().replace(day=1)
    while True:
        day = (day + timedelta(days=32)).replace(day=1)
        moment = midnight(day) + DAY
        if moment > now:
            return found
        invoice = invoice_id(shop, next_calendar_day(moment, INVOICE_DAYS))
        found.append(
            Operation(
                f"A-{day:%Y%m}",
                "Subscription",
                invoice,
                None,
                None,
                None,
                moment,
                -fee,
                -commission_vat(fee),
                {},
                moment,
            )
        )


_CACHE: weakref.WeakKeyDictionary[SellerShop, tuple[object, Planted, list[Operation]]] = (
    weakref.WeakKeyDictionary()
)


def order_ledger(shop: SellerShop, settings: FinanceSettings) -> tuple[Planted, list[Operation]]:
    """The operations of every order and gesture, sorted; rebuilt only when one changed (an
    order's ``version`` moves on every change), since a big shop takes a while."""
    key = (
        tuple(shop.orders),
        sum(order.version for order in shop.orders.values()),
        tuple((g.request_id, g.status) for g in shop.gestures),
        settings.model_dump_json(),
    )
    cached = _CACHE.get(shop)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    planted = plant(shop, settings)
    operations = gesture_operations(shop)
    for order in shop.orders.values():
        operations += order_operations(order, planted, settings)
    operations.sort(key=lambda op: (op.operation_date, op.operation_id))
    _CACHE[shop] = (key, planted, operations)
    return planted, operations


def build(shop: SellerShop, settings: FinanceSettings, schedule: str, now: datetime) -> Ledger:
    """Every finance record of ``shop`` visible at ``now``, in their listing order."""
    planted, operations = order_ledger(shop, settings)
    visible = [op for op in operations if op.operation_date <= now]
    visible += subscription_operations(shop, settings, now)
    visible.sort(key=lambda op: (op.operation_date, op.operation_id))
    payments: dict[str, Payment] = {}
    invoices: dict[str, Invoice] = {}
    by_day: dict[datetime, Invoice] = {}
    for op in visible:
        op.invoice_id = None
        if op.payment_state != "Blocked":
            op.payment_id, op.payment_state = None, "NotPayable"
        if op.release_date is not None and op.payment_state != "Blocked":
            if schedule == "calendar":
                day = next_calendar_day(op.release_date, PAYOUT_DAYS)
            else:
                day = midnight(op.release_date.astimezone(UTC).date() + DAY)
            payment_id = f"P{shop.seller_id}-{day:%Y%m%d}"
            state = "Paid" if now >= day + DAY else "InProcess" if now >= day else "Estimated"
            payment = payments.setdefault(payment_id, Payment(payment_id, day, state))
            payment.amount += op.amount
            payment.vat += op.vat
            payment.operations += 1
            op.payment_id, op.payment_state = payment_id, state
        if op.event_type in INVOICED:
            day = next_calendar_day(op.operation_date, INVOICE_DAYS)
            if day <= now:
                invoice = by_day.get(day)
                if invoice is None:
                    start = previous_calendar_day(day, INVOICE_DAYS)
                    invoice = by_day[day] = Invoice(invoice_id(shop, day), day, start)
                    invoices[invoice.invoice_id] = invoice
                invoice.lines.append(op)
                op.invoice_id = invoice.invoice_id
    return Ledger(visible, payments, invoices, planted)


def planted_json(ledger: Ledger) -> dict[str, Any]:
    return {
        "wrongCommissions": [
            {
                "orderId": order_id,
                "lineId": line_id,
                "operationId": f"C-{order_id}-{line_id}",
                "expectedRate": str(expected),
                "chargedRate": str(charged),
            }
            for order_id, line_id, expected, charged in ledger.planted.wrong_commissions
        ],
        "unpaidSales": [
            {"orderId": order_id, "lineId": line_id, "operationId": f"S-{order_id}-{line_id}"}
            for order_id, line_id in ledger.planted.unpaid_sales
        ],
    }
