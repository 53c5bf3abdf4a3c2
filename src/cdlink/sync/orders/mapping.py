"""Pure translation of a marketplace order (``cdlink.octopia.models.Order``) into a hub draft.

No database and no clock: the same order always gives the same draft, so the importer, the
re-sync of one order and the reconciliation all save orders the same way. An order cdlink cannot
keep faithfully raises ``RecordRejected`` (the importer quarantines it with the reason).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from cdlink.hub.orders.records import LineDraft, OrderDraft
from cdlink.octopia.models import Address, Order, OrderLine, Tax
from cdlink.sync.engine.errors import RecordRejected

DEFAULT_CURRENCY = "EUR"


def order_draft(order: Order) -> OrderDraft:
    """The hub's view of ``order``; raises ``RecordRejected`` when it cannot be kept."""
    if not order.lines:
        raise RecordRejected(f"order {order.order_id} has no lines")
    billing = _address(order.billing_address)
    shipping = next(
        (_address(line.shipping_address) for line in order.lines if line.shipping_address),
        None,
    )
    person = billing or shipping or {}
    return OrderDraft(
        marketplace_order_id=order.order_id,
        status=str(order.status),
        updated_at=order.updated_at,
        currency=(order.currency_code or DEFAULT_CURRENCY).upper()[:3],
        lines=[_line(order, line) for line in order.lines],
        reference=order.reference,
        purchased_at=order.purchased_at or order.created_at,
        sales_channel=order.sales_channel.id if order.sales_channel else None,
        business_order=bool(order.business_order),
        total_amount=order.total_price.selling_price if order.total_price else None,
        offer_amount=order.total_price.offer_price if order.total_price else None,
        service_fees=[
            {"label": fee.label, "amount": str(fee.amount)} for fee in order.service_fees
        ],
        payment_method=_text(order.payment, "method"),
        customer_reference=_text(order.customer, "reference"),
        customer_name=_name(person),
        customer_email=person.get("email"),
        billing_address=billing,
        shipping_address=shipping,
        shipping_deadline=_shipping_deadline(order),
    )


def _shipping_deadline(order: Order) -> datetime | None:
    """The marketplace's shipping deadline: the order's, else its lines' earliest (an order
    must ship when its first line is due). None when neither is sent: no deadline is made up."""
    if order.shipped_at_max is not None:
        return order.shipped_at_max
    lines = [line.delivery.shipped_at_max for line in order.lines if line.delivery]
    return min((deadline for deadline in lines if deadline is not None), default=None)


def _line(order: Order, line: OrderLine) -> LineDraft:
    selling = line.selling_price
    commission = line.offer_price.commission or selling.commission
    shipping_cost = selling.shipping_cost or Decimal("0.00")
    total = line.total_price.selling_price if line.total_price else None
    if total is None:
        total = selling.unit_sales_price * line.quantity + shipping_cost
    offer = line.offer
    return LineDraft(
        line_id=line.order_line_id,
        status=str(line.status) if line.status is not None else None,
        quantity=line.quantity,
        unit_price=selling.unit_sales_price,
        shipping_cost=shipping_cost,
        total_amount=total,
        seller_sku=offer.seller_product_id if offer else None,
        product_id=offer.product_id if offer else None,
        product_title=offer.product_title if offer else None,
        gtin=offer.product_gtin if offer else None,
        supply_mode=str(offer.supply_mode) if offer and offer.supply_mode else None,
        commission_amount=commission.amount_with_vat if commission else None,
        commission_amount_without_vat=commission.amount_without_vat if commission else None,
        commission_rate=commission.rate if commission else None,
        taxes=[_tax(tax) for tax in (line.offer_price.taxes or selling.taxes)],
        shipping_deadline=line.delivery.shipped_at_max if line.delivery else None,
        delivery_mode=line.delivery.mode if line.delivery else None,
    )


def _tax(tax: Tax) -> dict[str, Any]:
    return {
        "code": tax.code,
        "target": tax.target,
        "amount": None if tax.amount is None else str(tax.amount),
        "rate": None if tax.rate is None else str(tax.rate),
    }


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    known = set(type(address).model_fields)
    fields = address.model_dump(mode="json", by_alias=False, exclude_none=True, include=known)
    return fields or None


def _name(person: dict[str, Any]) -> str | None:
    parts = [person.get("first_name"), person.get("last_name")]
    name = " ".join(part for part in parts if part) or person.get("company_name")
    return str(name) if name else None


def _text(section: dict[str, Any] | None, key: str) -> str | None:
    value = (section or {}).get(key)
    return str(value) if value is not None else None
