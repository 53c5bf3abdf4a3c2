"""Validation of one offer request of a JSON offer package (reference §6.3.1), as Octopia would.

A request that fails gets ``Rejected`` with result codes (Octopia does not publish its codes; the
sandbox's are listed in docs/sandbox.md). A valid one becomes the offer values to write.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cdlink.sandbox.gtin import is_valid_ean13
from cdlink.sandbox.model import DeliveryOffer, Offer, Tax

CONDITIONS = {
    name.casefold(): name
    for name in (
        "New",
        "Refurbished",
        "UsedLikeNew",
        "UsedVeryGoodCondition",
        "UsedGoodCondition",
        "UsedAcceptableCondition",
    )
}
VAT_PERCENTAGES = frozenset({Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1")})
TAX_CODES = {"vat": "VAT", "ecotax": "Ecotax", "deatax": "Deatax"}

Problem = tuple[str, str]


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def check_reference(item: dict[str, Any]) -> list[Problem]:
    reference = item.get("sellerExternalReference")
    if not isinstance(reference, str) or not 1 <= len(reference) <= 50:
        return [("InvalidSellerExternalReference", "sellerExternalReference: 1 to 50 characters")]
    return []


def check_product(item: dict[str, Any]) -> list[Problem]:
    product = item.get("product")
    if not isinstance(product, dict) or not (product.get("gtin") or product.get("reference")):
        return [("MissingProduct", "product.gtin or product.reference is required")]
    gtin = product.get("gtin")
    if gtin is not None and not is_valid_ean13(gtin):
        return [("InvalidGtin", f"product.gtin {gtin!r} is not a valid EAN-13")]
    return []


def parse_taxes(taxes: object, vat_format: str) -> tuple[list[Tax], list[Problem]]:
    """Taxes as stored (VAT always as a percentage), or the problems found."""
    if not isinstance(taxes, list) or not taxes:
        return [], [("MissingTaxes", "price.taxes must list at least the VAT")]
    parsed: list[Tax] = []
    for tax in taxes:
        code = TAX_CODES.get(str(tax.get("code", "")).casefold()) if isinstance(tax, dict) else None
        value = tax.get("value") if isinstance(tax, dict) else None
        if code is None or not is_number(value) or Decimal(str(value)) < 0:
            return [], [("InvalidTaxes", f"unknown tax or value: {tax!r}")]
        amount = Decimal(str(value))
        if code == "VAT":
            amount = amount * 100 if vat_format == "rate" else amount
            if amount.normalize() not in VAT_PERCENTAGES:
                expected = "a rate such as 0.2" if vat_format == "rate" else "a percentage like 20"
                return [], [("InvalidTaxes", f"VAT value {value} is not {expected}")]
        parsed.append(Tax(code, amount.normalize()))
    if not any(tax.code == "VAT" for tax in parsed):
        return [], [("MissingTaxes", "price.taxes must include the VAT")]
    return parsed, []


def parse_price(price: object, vat_format: str) -> tuple[dict[str, Any], list[Problem]]:
    if not isinstance(price, dict) or not is_number(price.get("price")):
        return {}, [("InvalidPrice", "price.price is required")]
    amount = Decimal(str(price["price"]))
    if amount <= 0:
        return {}, [("InvalidPrice", "price.price must be greater than 0")]
    origin = price.get("originPrice")
    if origin is not None and (not is_number(origin) or Decimal(str(origin)) <= amount):
        return {}, [("InvalidOriginPrice", "price.originPrice must be above price.price")]
    taxes, problems = parse_taxes(price.get("taxes"), vat_format)
    values = {"price": amount, "taxes": taxes}
    values["origin_price"] = None if origin is None else Decimal(str(origin))
    return values, problems


def parse_delivery(modes: object, known: set[str]) -> tuple[list[DeliveryOffer], list[Problem]]:
    if not isinstance(modes, list) or not modes:
        return [], [("MissingDeliveryModes", "deliveryModes must list at least one mode")]
    parsed = []
    for mode in modes:
        code = mode.get("code") if isinstance(mode, dict) else None
        if code not in known:
            return [], [("UnknownDeliveryMode", f"delivery mode {code!r} is not enabled")]
        cost, extra = mode.get("cost", 0), mode.get("additionalCost", 0)
        if not is_number(cost) or not is_number(extra) or Decimal(str(cost)) < 0:
            return [], [("InvalidDeliveryCost", f"delivery mode {code} has an invalid cost")]
        parsed.append(DeliveryOffer(code, Decimal(str(cost)), Decimal(str(extra))))
    return parsed, []


def parse_fields(
    item: dict[str, Any], vat_format: str, known_modes: set[str], *, partial: bool
) -> tuple[dict[str, Any], list[Problem]]:
    """The offer values a request sets; with ``partial`` (Update) absent fields stay unset."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    if not partial or "price" in item:
        price, found = parse_price(item.get("price"), vat_format)
        values.update(price)
        problems += found
    if not partial or "quantity" in item:
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            problems.append(("InvalidQuantity", "quantity must be an integer of at least 0"))
        values["quantity"] = quantity
    if not partial or "deliveryModes" in item:
        values["delivery_modes"], found = parse_delivery(item.get("deliveryModes"), known_modes)
        problems += found
    if not partial or "condition" in item:
        condition = CONDITIONS.get(str(item.get("condition", "New")).casefold())
        if condition is None:
            problems.append(("InvalidCondition", f"unknown condition {item.get('condition')!r}"))
        values["condition"] = condition
    if "preparationTime" in item or not partial:
        days = item.get("preparationTime", 1)
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 60:
            problems.append(("InvalidPreparationTime", "preparationTime: whole days, 0 to 60"))
        values["preparation_time"] = days
    return values, problems


def apply_values(offer: Offer, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(offer, name, value)
