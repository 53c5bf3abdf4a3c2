"""The JSON the sandbox answers: orders (camelCase, §6.2.4), offers, packages and results.

Money is computed in Decimal and written as JSON numbers (the shortest float text of a value
rounded to the cent, which reads back as that exact Decimal with ``parse_float=Decimal``).
Serialized orders are cached by version, so a 100-order page is a join of ready bytes.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cdlink.sandbox import competition, pricing, promotions
from cdlink.sandbox.config import Variants
from cdlink.sandbox.model import (
    CHANNEL,
    CHANNEL_NAME,
    Address,
    Offer,
    OfferRequestResult,
    Order,
    OrderLine,
    Package,
    Tax,
)

ADDRESS_VISIBLE_FROM = frozenset({"InPreparation", "Shipped", "Delivered"})


def timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return _timestamp(moment)


@functools.lru_cache(maxsize=65536)
def _timestamp(moment: datetime) -> str:
    # Orders share many moments (timers fire in batches): formatting is worth remembering.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(amount: Decimal) -> float:
    return float(amount)


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return timestamp(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def vat_rate(percent: Decimal, variants: Variants) -> float:
    return money(percent / 100 if variants.vat_format == "rate" else percent)


def address(value: Address, *, shipping: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "civility": value.civility,
        "firstName": value.first_name,
        "lastName": value.last_name,
        "companyName": value.company_name,
        "companyVatNumber": None,
        "addressLine1": value.address_line1,
        "addressLine2": value.address_line2,
        "addressLine3": None,
        "postalCode": value.postal_code,
        "city": value.city,
        "stateOrRegion": None,
        "countryCode": value.country_code,
        "phone": value.phone,
        "email": value.email,
    }
    if shipping:
        body["pickupName"] = value.pickup_name
        body["pickupId"] = value.pickup_id
    return body


def events(values: list[tuple[str, datetime]]) -> list[dict[str, Any]]:
    return [{"status": status, "occurredAt": timestamp(moment)} for status, moment in values]


def line_json(order: Order, line: OrderLine, variants: Variants) -> dict[str, Any]:
    offer_total, selling_total = pricing.line_offer_total(line), pricing.line_selling_total(line)
    rate = vat_rate(line.vat_percent, variants)
    commission = {
        variants.commission_field: money(pricing.commission_with_vat(line)),
        "amountWithoutVat": money(pricing.commission_without_vat(line)),
        "rate": money(line.commission_percent),
    }
    visible = order.status in ADDRESS_VISIBLE_FROM
    return {
        "orderLineId": line.line_id,
        "status": line.status,
        "quantity": line.quantity,
        "totalPrice": {"offerPrice": money(offer_total), "sellingPrice": money(selling_total)},
        "offerPrice": {
            "unitSalesPrice": money(line.unit_price),
            "shippingCost": money(line.shipping_cost),
            "commission": commission,
            "taxes": [tax_line(offer_total, line.vat_percent, rate)],
        },
        "sellingPrice": {
            "unitSalesPrice": money(line.unit_selling_price),
            "shippingCost": money(line.shipping_cost),
            "taxes": [tax_line(selling_total, line.vat_percent, rate)],
        },
        "offer": {
            "id": line.offer_id,
            "sellerProductId": line.seller_external_reference,
            "supplyMode": order.supply_mode,
            "productId": line.product_reference,
            "productTitle": line.product_title,
            "productGtin": line.gtin,
            "condition": line.condition,
        },
        "delivery": {
            "mode": line.delivery_mode,
            "promisedAtMin": timestamp(line.promised_at_min),
            "promisedAtMax": timestamp(line.promised_at_max),
            "shippedAtMax": timestamp(line.shipped_at_max),
        },
        "shippingAddress": address(order.shipping_address, shipping=True) if visible else None,
        "parcels": list(line.parcels),
        "productAttributes": [],
        "statusEvents": events(line.status_events),
    }


def tax_line(total: Decimal, percent: Decimal, rate: float) -> dict[str, Any]:
    return {
        "code": "VAT",
        "target": "Product",
        "amount": money(pricing.vat_included(total, percent)),
        "rate": rate,
    }


def order_json(order: Order, variants: Variants) -> dict[str, Any]:
    cancellation = None
    if order.cancellation is not None:
        cancellation = {
            **order.cancellation,
            "requestedAt": timestamp(order.cancellation["requestedAt"]),
        }
    return {
        "orderId": order.order_id,
        "reference": order.order_id,
        "businessOrder": order.business_order,
        "salesChannel": {"id": CHANNEL, "name": CHANNEL_NAME},
        "seller": {"id": order.seller_id},
        "customer": {"reference": order.customer_reference},
        "purchasedAt": timestamp(order.purchased_at),
        "createdAt": timestamp(order.created_at),
        "updatedAt": timestamp(order.updated_at),
        "shippedAt": timestamp(order.shipped_at),
        "shippedAtMax": timestamp(order.shipped_at_max),
        "status": order.status,
        "payment": {"method": order.payment_method},
        "currencyCode": "EUR",
        "billingAddress": address(order.billing_address, shipping=False),
        "totalPrice": {
            "offerPrice": money(pricing.order_offer_total(order)),
            "sellingPrice": money(pricing.order_selling_total(order)),
        },
        "serviceFees": [
            {"label": label, "amount": money(amount)} for label, amount in order.service_fees
        ],
        "statusEvents": events(order.status_events),
        "cancellationDetails": cancellation,
        "lines": [line_json(order, line, variants) for line in order.lines],
    }


class OrderCache:
    """Serialized orders by (order id, version, variants), so unchanged orders cost nothing.

    Bounded (least recently used out) so that a shop of 100,000 orders read end to end does
    not keep hundreds of megabytes of JSON.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[int, tuple[str, str], bytes]] = OrderedDict()

    def get(self, order: Order, variants: Variants) -> bytes:
        key = (variants.commission_field, variants.vat_format)
        entry = self._entries.get(order.order_id)
        if entry is not None and entry[0] == order.version and entry[1] == key:
            self._entries.move_to_end(order.order_id)
            return entry[2]
        data = dumps(order_json(order, variants))
        self._entries[order.order_id] = (order.version, key, data)
        self._entries.move_to_end(order.order_id)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
        return data

    def clear(self) -> None:
        self._entries.clear()


def taxes_json(taxes: list[Tax], variants: Variants) -> list[dict[str, Any]]:
    result = []
    for tax in taxes:
        if tax.code == "VAT" and variants.vat_format == "rate":
            result.append({"code": "VAT", "type": "Rate", "value": money(tax.value / 100)})
        else:
            result.append({"code": tax.code, "value": money(tax.value)})
    return result


def offer_json(
    offer: Offer, seller_id: int, variants: Variants, now: datetime | None = None
) -> dict[str, Any]:
    shown = offer.price if now is None else promotions.facial_price(offer, now)
    body = {
        "sellerId": seller_id,
        "offerId": offer.offer_id(seller_id),
        "sellerExternalReference": offer.seller_external_reference,
        "offerState": offer.state,
        "createdAt": timestamp(offer.created_at),
        "updatedAt": timestamp(offer.updated_at),
        "product": {"gtin": offer.gtin, "reference": offer.product_reference},
        "productReference": offer.product_reference,
        "condition": offer.condition,
        "salesChannelId": CHANNEL,
        "integrationPrice": money(offer.price),
        "facialPrice": {"price": money(shown)},
        "originPrice": None if offer.origin_price is None else money(offer.origin_price),
        "taxes": taxes_json(offer.taxes, variants),
        "quantity": offer.quantity,
        "preparationTime": offer.preparation_time,
        "deliveryOffers": [
            {
                "code": mode.code,
                "cost": money(mode.cost),
                "additionalCost": money(mode.additional_cost),
            }
            for mode in offer.delivery_modes
        ],
    }
    if offer.promotions and now is not None:
        body["discountComponents"] = [promotion_json(p, now) for p in offer.promotions]
    return body


def promotion_json(promotion: promotions.Promotion, now: datetime) -> dict[str, Any]:
    """A promotion as the sandbox shows it on an offer (the real shape is unknown)."""
    body: dict[str, Any] = {
        "type": promotion.kind,
        "discountUnit": "Percentage",
        "discountValue": money(promotion.percent),
        "startDate": timestamp(promotion.start),
        "endDate": timestamp(promotion.end),
        "status": promotion.status(now),
    }
    if promotion.reference_price is not None:
        body["salesReferencePrice"] = money(promotion.reference_price)
    return body


def sales_channel_feedback(
    offer: Offer, now: datetime | None = None, seed: int = 0
) -> dict[str, Any]:
    """Best offer and competing offers (Cdiscount only); see ``competition``."""
    own = offer.price if now is None else promotions.facial_price(offer, now)
    own_shipping = min((mode.cost for mode in offer.delivery_modes), default=Decimal(0))
    others = competition.competitors(offer, seed)
    best_price, best_shipping, best_seller = own, own_shipping, None
    if others and others[0].total < own + own_shipping:
        best = others[0]
        best_price, best_shipping, best_seller = best.price, best.shipping_cost, best.seller_id
    return {
        "bestOfferDetails": {
            "isBestOffer": best_seller is None,
            "bestPrice": money(best_price),
            "bestShippingCost": money(best_shipping),
            "bestOfferSellerId": best_seller,
            "competingOffersCount": len(others),
        },
        "offerQuality": {"scoreReasons": []},
        "competingOffers": [
            {
                "sellerId": c.seller_id,
                "sellerName": c.seller_name,
                "price": money(c.price),
                "shippingCost": money(c.shipping_cost),
                "condition": c.condition,
                "isBestOffer": c.seller_id == best_seller,
            }
            for c in others
        ],
        "productInformation": {"productReviewsAverageRating": None, "productReviewsCount": 0},
    }


def package_json(package: Package) -> dict[str, Any]:
    return {
        "packageId": package.package_id,
        "packageType": package.package_type,
        "salesChannelId": package.sales_channel_id,
        "state": package.state,
        "offerRequestsCount": len(package.requests),
        "createdAt": timestamp(package.created_at),
        "updatedAt": timestamp(package.updated_at),
        "integratedAt": timestamp(package.integrated_at),
    }


def result_json(result: OfferRequestResult) -> dict[str, Any]:
    return {
        "sellerExternalReference": result.seller_external_reference,
        "integrationStatus": result.integration_status,
        "results": [{"resultCode": code, "message": message} for code, message in result.results],
    }
