"""Decimal-exact money for sandbox orders: line totals, VAT, commission and order totals.

Every amount is rounded to the cent once, where it is produced, so that an order's total is
exactly the sum of its parts as a client reading the JSON numbers as Decimal will check.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from cdlink.sandbox.model import Order, OrderLine

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def line_offer_total(line: OrderLine) -> Decimal:
    """What the seller's offer price comes to for the line: units plus shipping."""
    return cents(line.unit_price * line.quantity + line.shipping_cost)


def line_selling_total(line: OrderLine) -> Decimal:
    """What the customer paid for the line (a marketplace-funded discount may lower it)."""
    return cents(line.unit_selling_price * line.quantity + line.shipping_cost)


def vat_included(total: Decimal, vat_percent: Decimal) -> Decimal:
    """The VAT contained in a price that includes it."""
    return cents(total - total / (1 + vat_percent / HUNDRED))


def commission_with_vat(line: OrderLine) -> Decimal:
    return cents(line_offer_total(line) * line.commission_percent / HUNDRED)


def commission_without_vat(line: OrderLine) -> Decimal:
    # Marketplace commissions carry French VAT at the standard rate whatever the product's rate.
    return cents(commission_with_vat(line) / Decimal("1.2"))


def order_offer_total(order: Order) -> Decimal:
    return sum((line_offer_total(line) for line in order.lines), Decimal(0))


def order_selling_total(order: Order) -> Decimal:
    """Lines as paid by the customer plus every service fee (processing, instalments)."""
    lines = sum((line_selling_total(line) for line in order.lines), Decimal(0))
    fees = sum((amount for _, amount in order.service_fees), Decimal(0))
    return lines + fees
