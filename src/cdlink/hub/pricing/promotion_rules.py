"""Cdiscount's rules for sales and flash sales, checked when a promotion is created or changed.

The same rules as the marketplace client's pre-flight check (addendum §5), in the hub's terms so
that a page or the API refuses a promotion at once, naming the rule, before anything is queued:

- the reduction is 1 to 99 %; an official sale lowers the price by at least 5 %;
- a promotion ends after it starts, and not in the past;
- a flash sale lasts at most 72 hours, and 48 hours pass between two flash sales of a SKU;
- an official sale is sent at least 72 hours before it starts;
- two promotions of one SKU do not overlap;
- a sale Cdiscount holds is fixed from 72 hours before its start: it can no longer be stopped
  (``stop_problem``). The addendum says sale pricing is prepared up to 3 days ahead and must be
  sent 72 hours before; cdlink reads that as a lock, and the sandbox enforces the same reading.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable

FLASH_SALE, SALE = "flash_sale", "sale"
KINDS = (FLASH_SALE, SALE)
FLASH_SALE_MAX = timedelta(hours=72)
FLASH_SALE_GAP = timedelta(hours=48)
SALE_NOTICE = timedelta(hours=72)
SALE_MIN_PERCENT = Decimal(5)
DISCOUNT_MIN, DISCOUNT_MAX = Decimal(1), Decimal(99)


class PromotionRuleError(CdlinkError):
    """A promotion Cdiscount would refuse; ``rule`` names the rule."""

    default_hint = translatable(
        "Cdiscount's rules: a reduction of 1 to 99 % (a sale at least 5 %, announced 72 hours "
        "ahead), a flash sale of at most 72 hours with 48 hours between two."
    )

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class SaleLockedError(PromotionRuleError):
    """A sale Cdiscount holds cannot be stopped within its 72-hour notice or while it runs."""

    default_hint = translatable(
        "Cdiscount fixes a sale 72 hours before it starts: it runs until its end date. A sale "
        "can be stopped until 72 hours before its start."
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Window:
    """A promotion of a SKU as the rules see it."""

    kind: str
    percent: Decimal
    starts_at: datetime
    ends_at: datetime


def problems(promotion: Window, *, now: datetime, others: Sequence[Window] = ()) -> list[str]:
    """Every rule ``promotion`` breaks (rule codes), given the SKU's ``others``."""
    found: list[str] = []
    if promotion.kind not in KINDS:
        found.append("promotion_kind")
    if not DISCOUNT_MIN <= promotion.percent <= DISCOUNT_MAX:
        found.append("discount_range")
    if promotion.ends_at <= promotion.starts_at:
        found.append("promotion_dates")
    elif promotion.ends_at <= now:
        found.append("promotion_ended")
    if promotion.kind == FLASH_SALE:
        if promotion.ends_at - promotion.starts_at > FLASH_SALE_MAX:
            found.append("flash_sale_duration")
        if any(
            _close(promotion, other, FLASH_SALE_GAP) for other in others if other.kind == FLASH_SALE
        ):
            found.append("flash_sale_gap")
    elif promotion.kind == SALE:
        if promotion.starts_at - now < SALE_NOTICE:
            found.append("sale_notice")
        if promotion.percent < SALE_MIN_PERCENT:
            found.append("sale_reduction")
    if any(_close(promotion, other, timedelta(0)) for other in others):
        found.append("promotion_overlap")
    return found


def stop_problem(promotion: Window, *, now: datetime) -> str | None:
    """The rule stopping ``promotion`` now would break, once Cdiscount holds it."""
    if promotion.kind == SALE and promotion.starts_at - SALE_NOTICE <= now < promotion.ends_at:
        return "sale_locked"
    return None


def _close(one: Window, other: Window, gap: timedelta) -> bool:
    return one.starts_at < other.ends_at + gap and other.starts_at < one.ends_at + gap


MESSAGES = {
    "promotion_kind": "a promotion is a flash sale or a sale",
    "discount_range": "the reduction is between 1 and 99 %",
    "promotion_dates": "a promotion ends after it starts",
    "promotion_ended": "a promotion is not already over",
    "flash_sale_duration": "a flash sale lasts at most 72 hours",
    "flash_sale_gap": "48 hours pass between two flash sales of a SKU",
    "sale_notice": "a sale is sent at least 72 hours before it starts",
    "sale_reduction": "a sale lowers the price by at least 5 %",
    "promotion_overlap": "two promotions of a SKU do not overlap",
    "sale_locked": "a sale sent to Cdiscount cannot be stopped from 72 hours before its start",
}


def check(
    promotion: Window, *, now: datetime, others: Sequence[Window] = (), sku: str | None = None
) -> None:
    """Raise ``PromotionRuleError`` for the first rule ``promotion`` breaks."""
    found = problems(promotion, now=now, others=others)
    if found:
        where = f" (SKU {sku})" if sku else ""
        raise PromotionRuleError(f"{MESSAGES[found[0]]}{where}", rule=found[0])
