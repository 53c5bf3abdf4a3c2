"""Realistic, deterministic shop content: offers for a seeded shop and French customer orders.

Everything is drawn from a ``random.Random`` the caller owns (never the global one) and from the
curated lists in ``data/french.json``, so one seed always gives the same shop.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from cdlink.sandbox.config import SandboxConfig
from cdlink.sandbox.gtin import ean13_check_digit
from cdlink.sandbox.model import Address, DeliveryOffer, Offer, Order, OrderLine, Tax
from cdlink.sandbox.pricing import cents
from cdlink.sandbox.reference_data import french

PROCESSING_FEE = ("Frais de traitement", Decimal("0.99"))
PAYMENT_METHODS = ("Card", "Card", "Card", "PayPal", "Installments")
COMMISSION_PERCENTS = (Decimal(8), Decimal(10), Decimal(12), Decimal(15))


def make_gtin(rng: random.Random) -> str:
    body = "376" + "".join(rng.choice(string.digits) for _ in range(9))
    return body + str(ean13_check_digit(body))


def make_offer(rng: random.Random, index: int, now: datetime, quantity: int | None) -> Offer:
    words = french()["product_words"]
    gtin = make_gtin(rng)
    price = Decimal(rng.randint(499, 29999)) / 100
    return Offer(
        seller_external_reference=f"SKU-{index + 1:05d}",
        gtin=gtin,
        product_reference=gtin,
        product_title=f"{rng.choice(words['nouns'])} {rng.choice(words['qualifiers'])}",
        condition="New",
        price=price,
        origin_price=cents(price * Decimal("1.2")) if rng.random() < 0.2 else None,
        taxes=[Tax("VAT", Decimal(20))],
        quantity=quantity if quantity is not None else rng.choice((0, *range(3, 60))),
        preparation_time=rng.choice((1, 1, 2, 3)),
        delivery_modes=[
            DeliveryOffer("TRK", Decimal("4.90"), Decimal("1.00")),
            DeliveryOffer("REG", Decimal("6.90"), Decimal("1.50")),
        ],
        created_at=now,
        updated_at=now,
    )


def make_order_id(rng: random.Random, now: datetime) -> str:
    """Cdiscount order numbers: ten digits of date and time, then five letters or digits."""
    suffix = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(5))
    return now.strftime("%y%m%d%H%M") + suffix


def make_person(rng: random.Random) -> Address:
    data = french()
    first, last = rng.choice(data["first_names"]), rng.choice(data["last_names"])
    city, postal_code = rng.choice(data["cities"])
    street = f"{rng.choice(data['street_types'])} {rng.choice(data['street_names'])}"
    alias = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))
    return Address(
        civility=rng.choice(("M", "MME")),
        first_name=first,
        last_name=last,
        company_name=rng.choice(data["company_names"]) if rng.random() < 0.05 else None,
        address_line1=f"{rng.randint(1, 180)} {street}",
        address_line2=f"Bâtiment {rng.choice('ABCD')}" if rng.random() < 0.15 else None,
        postal_code=postal_code,
        city=city,
        country_code="FR",
        phone="0" + rng.choice("67") + "".join(rng.choice(string.digits) for _ in range(8)),
        email=f"{alias}@marketplace.cdiscount.com",
    )


def make_relay(rng: random.Random, customer: Address) -> Address:
    data = french()
    relay = make_person(rng)
    name = f"{rng.choice(data['relay_kinds'])} {rng.choice(data['relay_suffixes'])}"
    relay.first_name, relay.last_name = customer.first_name, customer.last_name
    relay.civility, relay.phone, relay.email = customer.civility, customer.phone, customer.email
    relay.company_name, relay.address_line2 = name, None
    relay.pickup_name = name
    relay.pickup_id = f"{relay.postal_code[:2]}{rng.randint(1000, 9999)}"
    return relay


def make_order(
    rng: random.Random,
    seller_id: int,
    offers: Sequence[Offer],
    now: datetime,
    config: SandboxConfig,
) -> Order:
    """A new order (status ``Processing``) on one to three of ``offers``, all in stock."""
    billing = make_person(rng)
    relay = rng.random() < 0.3
    shipping = make_relay(rng, billing) if relay else billing
    payment = rng.choice(PAYMENT_METHODS)
    chosen = rng.sample(list(offers), k=min(len(offers), rng.choice((1, 1, 1, 2, 3))))
    lines = [
        make_line(rng, seller_id, index, offer, now=now, relay=relay)
        for index, offer in enumerate(chosen)
    ]
    fees = [PROCESSING_FEE]
    if payment == "Installments":
        basis = sum((line.unit_selling_price * line.quantity for line in lines), Decimal(0))
        fees.append(("Frais de paiement en 4 fois", cents(basis * Decimal("0.022"))))
    shipped_at_max = max(line.shipped_at_max for line in lines)
    return Order(
        order_id=make_order_id(rng, now),
        seller_id=seller_id,
        customer_reference="".join(rng.choice(string.digits) for _ in range(9)),
        business_order=billing.company_name is not None,
        payment_method=payment,
        purchased_at=now - timedelta(seconds=rng.randint(5, 240)),
        created_at=now,
        updated_at=now,
        shipped_at_max=shipped_at_max,
        status="Processing",
        billing_address=billing,
        shipping_address=shipping,
        service_fees=fees,
        lines=lines,
    )


def make_line(
    rng: random.Random, seller_id: int, index: int, offer: Offer, *, now: datetime, relay: bool
) -> OrderLine:
    quantity = min(offer.quantity, rng.choice((1, 1, 1, 1, 2, 3)))
    delivery = offer.delivery_modes[0]
    shipping = cents(delivery.cost + delivery.additional_cost * (quantity - 1))
    discount = Decimal(rng.choice((1, 2, 5))) if rng.random() < 0.1 else Decimal(0)
    shipped_at_max = now + timedelta(days=offer.preparation_time)
    vat = next((tax.value for tax in offer.taxes if tax.code.upper() == "VAT"), Decimal(20))
    return OrderLine(
        line_id=str(index + 1),
        status="Processing",
        quantity=quantity,
        seller_external_reference=offer.seller_external_reference,
        offer_id=offer.offer_id(seller_id),
        product_reference=offer.product_reference,
        product_title=offer.product_title,
        gtin=offer.gtin,
        condition=offer.condition,
        unit_price=offer.price,
        unit_selling_price=max(cents(offer.price - discount), Decimal("0.01")),
        shipping_cost=shipping,
        vat_percent=vat,
        commission_percent=rng.choice(COMMISSION_PERCENTS),
        delivery_mode="RelayDelivery" if relay else "TrackedHomeDelivery",
        promised_at_min=shipped_at_max + timedelta(days=1),
        promised_at_max=shipped_at_max + timedelta(days=4),
        shipped_at_max=shipped_at_max,
    )
