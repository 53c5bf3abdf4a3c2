"""The promotion rules of the hub agree with the marketplace client's pre-flight check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.hub.pricing.promotion_rules import (
    FLASH_SALE,
    SALE,
    PromotionRuleError,
    Window,
    check,
    problems,
)
from cdlink.octopia.models import DiscountComponent, PromotionType
from cdlink.octopia.models.pricing_rules import check_promotion

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
hours = st.integers(min_value=-24, max_value=24 * 10).map(lambda n: NOW + timedelta(hours=n))
percents = st.decimals(min_value=0, max_value=100, places=0)
kinds = st.sampled_from([FLASH_SALE, SALE])
windows = st.builds(Window, kind=kinds, percent=percents, starts_at=hours, ends_at=hours)


def component(window: Window) -> DiscountComponent:
    kind = PromotionType.FLASH_SALE if window.kind == FLASH_SALE else PromotionType.SALE
    return DiscountComponent(
        type=kind,
        discount_value=window.percent,
        start_date=window.starts_at,
        end_date=window.ends_at,
        sales_reference_price=Decimal(10) if window.kind == SALE else None,
    )


@given(windows, st.lists(windows, max_size=3))
def test_given_any_promotion_when_checked_then_the_hub_and_the_client_break_the_same_rules(
    promotion: Window, others: list[Window]
) -> None:
    ours = set(problems(promotion, now=NOW, others=others))
    theirs = {
        problem.rule
        for problem in check_promotion(
            component(promotion), now=NOW, others=[component(other) for other in others]
        )
    }
    assert ours == theirs


@given(windows)
def test_given_a_flash_sale_longer_than_72_hours_then_it_is_always_refused(window: Window) -> None:
    long = Window(
        FLASH_SALE, window.percent, window.starts_at, window.starts_at + timedelta(hours=73)
    )
    assert "flash_sale_duration" in problems(long, now=NOW)


@pytest.mark.parametrize(
    ("window", "rule"),
    [
        (Window(FLASH_SALE, Decimal(20), NOW, NOW + timedelta(hours=80)), "flash_sale_duration"),
        (
            Window(SALE, Decimal(20), NOW + timedelta(days=1), NOW + timedelta(days=8)),
            "sale_notice",
        ),
        (
            Window(SALE, Decimal(3), NOW + timedelta(days=4), NOW + timedelta(days=8)),
            "sale_reduction",
        ),
        (Window(FLASH_SALE, Decimal(0), NOW, NOW + timedelta(hours=2)), "discount_range"),
    ],
)
def test_given_the_issues_bad_promotions_when_checked_then_each_is_refused_naming_its_rule(
    window: Window, rule: str
) -> None:
    with pytest.raises(PromotionRuleError) as raised:
        check(window, now=NOW, sku="SKU-1")
    assert raised.value.rule == rule
    assert "SKU-1" in str(raised.value)


def test_given_two_flash_sales_24_hours_apart_when_checked_then_the_48_hour_gap_is_named() -> None:
    first = Window(FLASH_SALE, Decimal(10), NOW, NOW + timedelta(hours=10))
    second = Window(FLASH_SALE, Decimal(10), NOW + timedelta(hours=34), NOW + timedelta(hours=40))
    assert problems(second, now=NOW, others=[first]) == ["flash_sale_gap"]
    later = Window(FLASH_SALE, Decimal(10), NOW + timedelta(hours=58), NOW + timedelta(hours=60))
    assert problems(later, now=NOW, others=[first]) == []
