"""Promotions on offers (addendum §5): flash sales and official sales, run on the sandbox clock.

A promotion is a percentage off the offer's price between a start and an end; while it runs, the
offer's ``facialPrice`` (the displayed price) is the reduced price and ``integrationPrice`` stays
the price the seller sent. Promotions arrive in XML offer packages (``DiscountComponentList``), or
in JSON packages (``price.discountComponents``) in the ``promotions_channel="json_too"`` variant.
A list sent for a SKU replaces the SKU's promotions that have not ended (an empty list cancels
them: the price reverts at once); ended ones stay as history for the 48-hour rule.

Rules (Lengow's reading of Cdiscount's, addendum §5), each refusal a result code:
flash sale ≤ 72 h and ≥ 48 h after/before another flash sale of the SKU; reduction 1 to 99 %; an
official sale sent ≥ 72 h before its start, with a reduction ≥ 5 % and a reference price.
A sale is fixed from 72 h before its start until its end (the addendum: sale pricing is prepared
up to 3 days ahead): a list that drops or changes it is refused (``SaleLocked``). A component
sent again unchanged keeps the moment it was first sent (it is the same promotion).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cdlink.core.clock import ensure_utc
from cdlink.sandbox.model import Offer

FLASH_SALE, SALE = "FlashSale", "Sales"
KINDS = {
    "flashsale": FLASH_SALE,
    "flashsales": FLASH_SALE,
    "flash sales": FLASH_SALE,
    "sale": SALE,
    "sales": SALE,
}
FLASH_SALE_MAX = timedelta(hours=72)
FLASH_SALE_GAP = timedelta(hours=48)
SALE_NOTICE = timedelta(hours=72)
SALE_MIN_PERCENT = Decimal(5)
HISTORY = timedelta(days=30)
CENT = Decimal("0.01")

Problem = tuple[str, str]


@dataclasses.dataclass(slots=True)
class Promotion:
    kind: str
    percent: Decimal
    start: datetime
    end: datetime
    reference_price: Decimal | None
    sent_at: datetime

    def status(self, now: datetime) -> str:
        if now < self.start:
            return "Scheduled"
        return "Running" if now < self.end else "Ended"


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return ensure_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def parse(raw: dict[str, Any], now: datetime) -> tuple[Promotion | None, list[Problem]]:
    """One discount component (XML attributes or JSON keys, case-insensitive) as a promotion."""
    keys = {key.casefold().removeprefix("discountcomponent"): value for key, value in raw.items()}
    kind = KINDS.get(str(keys.get("type", "")).strip().casefold())
    if kind is None:
        return None, [("InvalidDiscountType", f"unknown discount type {keys.get('type')!r}")]
    unit = str(keys.get("discountunit", "Percentage")).strip().casefold()
    if unit not in ("percentage", "percent", "1"):
        return None, [("InvalidDiscountUnit", "the discount unit must be a percentage")]
    percent = _number(keys.get("discountvalue"))
    start, end = _time(keys.get("startdate")), _time(keys.get("enddate"))
    if percent is None:
        return None, [("InvalidDiscountValue", "DiscountValue is a number, without %")]
    if start is None or end is None:
        return None, [("InvalidDiscountDates", "StartDate and EndDate: YYYY-MM-DDThh:mm:ss")]
    reference = _number(keys.get("salesreferenceprice"))
    return Promotion(kind, percent, start, end, reference, now), []


def check(promotion: Promotion, others: list[Promotion]) -> list[Problem]:
    """What Cdiscount would refuse in ``promotion`` given the SKU's other promotions."""
    return list(itertools.islice(_problems(promotion, others), 1))


def _problems(promotion: Promotion, others: list[Promotion]) -> Iterator[Problem]:
    if not Decimal(1) <= promotion.percent <= Decimal(99):
        yield ("DiscountValueOutOfRange", "the reduction is between 1 and 99 %")
    if promotion.end <= promotion.start:
        yield ("InvalidDiscountDates", "EndDate must be after StartDate")
    if promotion.end <= promotion.sent_at:
        yield ("DiscountInThePast", "the promotion has already ended")
    yield from _flash_problems(promotion, others) if promotion.kind == FLASH_SALE else ()
    yield from _sale_problems(promotion) if promotion.kind == SALE else ()
    for other in others:
        if promotion.start < other.end and other.start < promotion.end:
            yield ("PromotionOverlap", "the offer already has a promotion at that time")


def _flash_problems(promotion: Promotion, others: list[Promotion]) -> Iterator[Problem]:
    if promotion.end - promotion.start > FLASH_SALE_MAX:
        yield ("FlashSaleTooLong", "a flash sale lasts at most 72 hours")
    for other in others:
        if other.kind == FLASH_SALE and (
            promotion.start < other.end + FLASH_SALE_GAP
            and other.start < promotion.end + FLASH_SALE_GAP
        ):
            message = "48 hours must pass between two flash sales of the same offer"
            yield ("FlashSaleTooClose", message)


def _sale_problems(promotion: Promotion) -> Iterator[Problem]:
    if promotion.start - promotion.sent_at < SALE_NOTICE:
        yield ("SaleNoticeTooShort", "a sale is sent at least 72 hours before it starts")
    if promotion.percent < SALE_MIN_PERCENT:
        yield ("SaleReductionTooSmall", "a sale lowers the price by at least 5 %")
    if promotion.reference_price is None or promotion.reference_price <= 0:
        yield ("MissingSalesReferencePrice", "a sale needs a SalesReferencePrice above 0")


def plan(
    existing: list[Promotion], raw_list: object, now: datetime
) -> tuple[list[Promotion] | None, list[Problem]]:
    """The SKU's promotions once ``raw_list`` replaces its unfinished ones (all or nothing)."""
    if not isinstance(raw_list, list) or not all(isinstance(raw, dict) for raw in raw_list):
        return None, [("InvalidDiscountComponents", "discount components: a list of objects")]
    kept = [p for p in existing if p.end <= now and now - p.end < HISTORY]
    unfinished = [p for p in existing if p.end > now]
    accepted: list[Promotion] = []
    for raw in raw_list:
        promotion, problems = parse(raw, now)
        if promotion is None:
            return None, problems
        # Each promotion already there is matched once: a list naming the same one twice keeps
        # two only when two were there.
        same = next(
            (
                p
                for p in unfinished
                if _same(p, promotion) and not any(p is taken for taken in accepted)
            ),
            None,
        )
        if same is not None:
            accepted.append(same)
            continue
        problems = check(promotion, kept + accepted)
        if problems:
            return None, problems
        accepted.append(promotion)
    for promotion in unfinished:
        if _locked(promotion, now) and not any(p is promotion for p in accepted):
            message = "a sale cannot be withdrawn or changed from 72 hours before its start"
            return None, [("SaleLocked", message)]
    return kept + accepted, []


def _same(one: Promotion, other: Promotion) -> bool:
    return (one.kind, one.percent, one.start, one.end, one.reference_price) == (
        other.kind,
        other.percent,
        other.start,
        other.end,
        other.reference_price,
    )


def _locked(promotion: Promotion, now: datetime) -> bool:
    return promotion.kind == SALE and promotion.start - SALE_NOTICE <= now < promotion.end


def running(offer: Offer, now: datetime) -> Promotion | None:
    found: list[Promotion] = offer.promotions
    for promotion in found:
        if promotion.start <= now < promotion.end:
            return promotion
    return None


def facial_price(offer: Offer, now: datetime) -> Decimal:
    """The displayed price: reduced while a promotion runs, else the seller's price."""
    promotion = running(offer, now)
    if promotion is None:
        return offer.price
    base = promotion.reference_price or offer.price
    reduced = base * (Decimal(100) - promotion.percent) / Decimal(100)
    return max(reduced.quantize(CENT, rounding=ROUND_HALF_UP), CENT)
