"""Cdiscount's price and promotion rules as a pure, fast pre-flight check (addendum §5).

``check_price`` and ``check_promotions`` read a price or a SKU's promotions and return every
broken rule as a typed ``PriceProblem`` (field, rule code, limit): nothing is sent, nothing is
fetched. The client refuses to send a package holding a problem (``RuleViolation``,
``sent=False``); the sandbox enforces the same rules and answers them as per-offer result codes,
which ``RESULT_RULES`` maps back to these rule codes (``RuleViolation``, ``sent=True``).

Promotion semantics (cdlink's reading, the sandbox's behaviour): the promotions sent for a SKU
replace its promotions that have not ended; ended ones (``history``) still count for the
48-hour gap between two flash sales.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from cdlink.octopia.models.offers import DiscountComponent, OfferPrice, OfferRequest, PromotionType
from cdlink.octopia.models.pricing import XmlOffer

FLASH_SALE_MAX_HOURS = 72
FLASH_SALE_GAP_HOURS = 48
SALE_NOTICE_HOURS = 72
SALE_MIN_PERCENT = Decimal(5)
DISCOUNT_MIN, DISCOUNT_MAX = Decimal(1), Decimal(99)
VAT_PERCENTAGES = frozenset({Decimal(20), Decimal(10), Decimal("5.5"), Decimal("2.1")})
PREPARATION_MAX_DAYS = 60  # the sandbox's limit; Cdiscount's is not published

RULES: dict[str, str] = {
    "price_positive": "the price is above 0",
    "origin_price_above_price": "the strike price (originPrice/StrikedPrice) is above the price",
    "vat_missing": "a price is sent with its VAT",
    "vat_rate": "the VAT is one of 20, 10, 5.5 or 2.1 %",
    "tax_negative": "a tax is not negative",
    "delivery_cost_negative": "a delivery cost is not negative",
    "preparation_time": f"the preparation time is 0 to {PREPARATION_MAX_DAYS} days",
    "discount_unit": "a discount is a percentage",
    "discount_range": "the reduction is between 1 and 99 %",
    "promotion_dates": "a promotion ends after it starts",
    "promotion_ended": "a promotion is not already over",
    "flash_sale_duration": f"a flash sale lasts at most {FLASH_SALE_MAX_HOURS} hours",
    "flash_sale_gap": f"{FLASH_SALE_GAP_HOURS} hours pass between two flash sales of a SKU",
    "sale_notice": f"a sale is sent at least {SALE_NOTICE_HOURS} hours before it starts",
    "sale_reduction": "a sale lowers the price by at least 5 %",
    "sale_reference_price": "a sale gives its reference price (above 0)",
    "promotion_overlap": "two promotions of a SKU do not overlap",
    "sale_locked": f"a sale cannot be withdrawn or changed from {SALE_NOTICE_HOURS} hours before "
    "its start",
    "promotions_xml_only": "promotions on Cdiscount are sent in XML offer packages",
    "duplicate_offer": "a package holds one request per SKU",
}

# The sandbox's per-offer result codes (docs/sandbox.md) → rule codes.
RESULT_RULES: dict[str, str] = {
    "InvalidPrice": "price_positive",
    "InvalidOriginPrice": "origin_price_above_price",
    "MissingTaxes": "vat_missing",
    "InvalidTaxes": "vat_rate",
    "InvalidDeliveryCost": "delivery_cost_negative",
    "InvalidPreparationTime": "preparation_time",
    "InvalidDiscountUnit": "discount_unit",
    "DiscountValueOutOfRange": "discount_range",
    "InvalidDiscountDates": "promotion_dates",
    "DiscountInThePast": "promotion_ended",
    "FlashSaleTooLong": "flash_sale_duration",
    "FlashSaleTooClose": "flash_sale_gap",
    "SaleNoticeTooShort": "sale_notice",
    "SaleReductionTooSmall": "sale_reduction",
    "MissingSalesReferencePrice": "sale_reference_price",
    "PromotionOverlap": "promotion_overlap",
    "SaleLocked": "sale_locked",
    "PromotionsNotSupported": "promotions_xml_only",
    "DuplicatedOffer": "duplicate_offer",
}


@dataclasses.dataclass(frozen=True, slots=True)
class PriceProblem:
    """One broken rule: where (``field``), which (``rule``) and its ``limit``."""

    field: str
    rule: str
    limit: Decimal | int | None = None

    @property
    def description(self) -> str:
        return RULES.get(self.rule, self.rule)


def check_amounts(
    *,
    price: Decimal | None,
    origin_price: Decimal | None = None,
    vat_percent: Decimal | None = None,
    other_taxes: Iterable[tuple[str, Decimal]] = (),
    delivery_costs: Iterable[tuple[str, Decimal]] = (),
    preparation_time: int | None = None,
    field: str = "price",
) -> list[PriceProblem]:
    found: list[PriceProblem] = []
    if price is not None:
        if price <= 0:
            found.append(PriceProblem(f"{field}.price", "price_positive", Decimal(0)))
        if origin_price is not None and origin_price <= price:
            found.append(PriceProblem(f"{field}.originPrice", "origin_price_above_price", price))
        if vat_percent is None:
            found.append(PriceProblem(f"{field}.taxes", "vat_missing"))
    if vat_percent is not None and vat_percent.normalize() not in VAT_PERCENTAGES:
        found.append(PriceProblem(f"{field}.taxes.VAT", "vat_rate"))
    for code, value in other_taxes:
        if value < 0:
            found.append(PriceProblem(f"{field}.taxes.{code}", "tax_negative", Decimal(0)))
    for code, cost in delivery_costs:
        if cost < 0:
            found.append(PriceProblem(f"deliveryModes.{code}", "delivery_cost_negative", 0))
    if preparation_time is not None and not 0 <= preparation_time <= PREPARATION_MAX_DAYS:
        found.append(PriceProblem("preparationTime", "preparation_time", PREPARATION_MAX_DAYS))
    return found


def check_price(price: OfferPrice, *, field: str = "price") -> list[PriceProblem]:
    """The problems of one JSON price (amount, strike price, taxes)."""
    vat = next((tax for tax in price.taxes or () if tax.code.casefold() == "vat"), None)
    others = [(tax.code, tax.value) for tax in price.taxes or () if tax is not vat]
    return check_amounts(
        price=price.price,
        origin_price=price.origin_price,
        vat_percent=None if vat is None else vat.percent,
        other_taxes=others,
        field=field,
    )


def _overlaps(
    start: datetime, end: datetime, other: DiscountComponent, gap: timedelta = timedelta(0)
) -> bool:
    return start < other.end_date + gap and other.start_date < end + gap


def check_promotion(
    promotion: DiscountComponent,
    *,
    now: datetime,
    others: Sequence[DiscountComponent] = (),
    field: str = "discountComponents[0]",
) -> list[PriceProblem]:
    """The problems of one promotion sent at ``now``, given the SKU's ``others``."""
    found: list[PriceProblem] = []
    start, end = promotion.start_date, promotion.end_date
    if promotion.discount_unit.casefold() not in {"percentage", "percent"}:
        found.append(PriceProblem(f"{field}.discountUnit", "discount_unit"))
    if not DISCOUNT_MIN <= promotion.discount_value <= DISCOUNT_MAX:
        limit = DISCOUNT_MIN if promotion.discount_value < DISCOUNT_MIN else DISCOUNT_MAX
        found.append(PriceProblem(f"{field}.discountValue", "discount_range", limit))
    if end <= start:
        found.append(PriceProblem(f"{field}.endDate", "promotion_dates"))
    elif end <= now:
        found.append(PriceProblem(f"{field}.endDate", "promotion_ended"))
    if promotion.type == PromotionType.FLASH_SALE:
        if end - start > timedelta(hours=FLASH_SALE_MAX_HOURS):
            found.append(PriceProblem(f"{field}.endDate", "flash_sale_duration", 72))
        gap = timedelta(hours=FLASH_SALE_GAP_HOURS)
        if any(
            other.type == PromotionType.FLASH_SALE and _overlaps(start, end, other, gap)
            for other in others
        ):
            found.append(PriceProblem(f"{field}.startDate", "flash_sale_gap", 48))
    elif promotion.type == PromotionType.SALE:
        if start - now < timedelta(hours=SALE_NOTICE_HOURS):
            found.append(PriceProblem(f"{field}.startDate", "sale_notice", SALE_NOTICE_HOURS))
        if promotion.discount_value < SALE_MIN_PERCENT:
            found.append(PriceProblem(f"{field}.discountValue", "sale_reduction", 5))
        reference = promotion.sales_reference_price
        if reference is None or reference <= 0:
            found.append(PriceProblem(f"{field}.salesReferencePrice", "sale_reference_price"))
    if any(_overlaps(start, end, other) for other in others):
        found.append(PriceProblem(f"{field}.startDate", "promotion_overlap"))
    return found


def check_promotions(
    promotions: Sequence[DiscountComponent],
    *,
    now: datetime,
    history: Sequence[DiscountComponent] = (),
    field: str = "discountComponents",
) -> list[PriceProblem]:
    """The problems of the promotions sent for one SKU (they replace those not ended;
    ``history`` may hold the SKU's earlier ones: those ended by ``now`` count for the gaps, and
    one not ended that is sent again unchanged is the marketplace's already, so it is not
    checked again: a sale carried in a SKU's list inside its 72-hour notice is no new sale)."""
    kept = [other for other in history if other.end_date <= now]
    held = [other for other in history if other.end_date > now]
    found: list[PriceProblem] = []
    unmatched = list(held)  # each one held is matched by one sent at most
    for index, promotion in enumerate(promotions):
        if promotion in unmatched:
            unmatched.remove(promotion)
            continue
        found += check_promotion(
            promotion, now=now, others=[*kept, *promotions[:index]], field=f"{field}[{index}]"
        )
    notice = timedelta(hours=SALE_NOTICE_HOURS)
    for other in unmatched:  # cdlink's reading of addendum §5: a sale is fixed 72 h ahead
        if other.type == PromotionType.SALE and other.start_date - notice <= now:
            found.append(PriceProblem(field, "sale_locked", SALE_NOTICE_HOURS))
    return found


def check_offer_request(
    request: OfferRequest, *, now: datetime, history: Sequence[DiscountComponent] = ()
) -> list[PriceProblem]:
    """Every problem of one JSON offer request (price, taxes, delivery, promotions)."""
    found: list[PriceProblem] = []
    if request.price is not None:
        found += check_price(request.price)
        if request.price.discount_components is not None:
            found += check_promotions(
                request.price.discount_components,
                now=now,
                history=history,
                field="price.discountComponents",
            )
    found += check_amounts(
        price=None,
        delivery_costs=[(mode.code, mode.cost) for mode in request.delivery_modes or ()],
        preparation_time=request.preparation_time,
    )
    return found


def check_xml_offer(
    offer: XmlOffer, *, now: datetime, history: Sequence[DiscountComponent] = ()
) -> list[PriceProblem]:
    """Every problem of one XML offer. A ``StockAndPrice`` price without ``Vat`` keeps the
    offer's taxes, so VAT is not required here."""
    found = check_amounts(
        price=offer.price,
        origin_price=offer.striked_price,
        vat_percent=offer.vat_percent,
        other_taxes=[
            (code, value)
            for code, value in (("EcoPart", offer.ecotax), ("DeaTax", offer.deatax))
            if value is not None
        ],
        delivery_costs=[
            (mode.delivery_mode, min(mode.charges, mode.additional_charges))
            for mode in offer.shipping
        ],
        preparation_time=offer.preparation_time,
        field="Offer",
    )
    found = [problem for problem in found if problem.rule != "vat_missing"]
    if offer.promotions is not None:
        found += check_promotions(
            offer.promotions, now=now, history=history, field="DiscountComponentList"
        )
    return found


def rule_of_result(code: str | None) -> str | None:
    """The rule a per-offer result code names (``None``: not a price or promotion rule)."""
    return RESULT_RULES.get(code or "")
