"""The price and promotion rules (pure): each rule on its own, properties drawn by Hypothesis,
and the client's rules agreeing with the sandbox's on every drawn promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.octopia.models import (
    DiscountComponent,
    OfferPrice,
    PriceProblem,
    PromotionType,
    XmlOffer,
    XmlShipping,
    check_offer_request,
    check_price,
    check_promotion,
    check_promotions,
    check_xml_offer,
    coalesce,
    offer_taxes,
    offer_update,
)
from cdlink.sandbox import promotions as sandbox_promotions

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def flash(start_hours: float, hours: float, percent: Decimal = Decimal(20)) -> DiscountComponent:
    start = NOW + timedelta(hours=start_hours)
    return DiscountComponent(
        type=PromotionType.FLASH_SALE,
        discount_value=percent,
        start_date=start,
        end_date=start + timedelta(hours=hours),
    )


def sale(
    start_hours: float,
    hours: float = 24 * 7,
    percent: Decimal = Decimal(10),
    reference: Decimal | None = Decimal("50"),
) -> DiscountComponent:
    start = NOW + timedelta(hours=start_hours)
    return DiscountComponent(
        type=PromotionType.SALE,
        discount_value=percent,
        start_date=start,
        end_date=start + timedelta(hours=hours),
        sales_reference_price=reference,
    )


def rules(problems: list[PriceProblem]) -> set[str]:
    return {problem.rule for problem in problems}


# --- prices -------------------------------------------------------------------------------------


def test_given_a_valid_price_when_checked_then_no_problem() -> None:
    price = OfferPrice(
        price=Decimal("19.90"), origin_price=Decimal("24.90"), taxes=offer_taxes(Decimal(20))
    )
    assert check_price(price) == []


def test_given_a_strike_price_not_above_the_price_when_checked_then_its_limit_is_named() -> None:
    price = OfferPrice(
        price=Decimal("19.90"), origin_price=Decimal("19.90"), taxes=offer_taxes(Decimal(20))
    )
    (problem,) = check_price(price)
    assert (problem.field, problem.rule, problem.limit) == (
        "price.originPrice",
        "origin_price_above_price",
        Decimal("19.90"),
    )
    assert "strike price" in problem.description


def test_given_a_zero_price_without_vat_when_checked_then_both_rules_are_broken() -> None:
    assert rules(check_price(OfferPrice(price=Decimal(0)))) == {"price_positive", "vat_missing"}


def test_given_vat_as_a_rate_when_checked_then_it_reads_as_a_percentage() -> None:
    good = OfferPrice(price=Decimal(10), taxes=offer_taxes(Decimal("5.5"), vat_format="rate"))
    bad = OfferPrice(price=Decimal(10), taxes=offer_taxes(Decimal(19), vat_format="rate"))
    assert good.to_payload()["taxes"] == [{"code": "VAT", "type": "Rate", "value": 0.055}]
    assert check_price(good) == []
    assert rules(check_price(bad)) == {"vat_rate"}


def test_given_a_negative_ecotax_and_delivery_cost_when_checked_then_both_are_named() -> None:
    problems = check_xml_offer(
        XmlOffer(
            sku="A",
            price=Decimal(10),
            ecotax=Decimal("-1"),
            shipping=(XmlShipping("STD", Decimal("-2")),),
            preparation_time=90,
        ),
        now=NOW,
    )
    assert rules(problems) == {"tax_negative", "delivery_cost_negative", "preparation_time"}


@given(
    st.decimals(min_value=-100, max_value=1000, places=2),
    st.decimals(min_value=-100, max_value=1000, places=2),
)
def test_given_any_price_and_strike_price_when_checked_then_the_rules_follow_the_amounts(
    price: Decimal, origin: Decimal
) -> None:
    found = rules(
        check_price(OfferPrice(price=price, origin_price=origin, taxes=offer_taxes(Decimal(20))))
    )
    assert ("price_positive" in found) == (price <= 0)
    assert ("origin_price_above_price" in found) == (origin <= price)


# --- promotions ----------------------------------------------------------------------------------


def test_given_a_flash_sale_of_73_hours_when_checked_then_it_is_too_long() -> None:
    (problem,) = check_promotion(flash(1, 73), now=NOW)
    assert (problem.rule, problem.limit) == ("flash_sale_duration", 72)


def test_given_a_sale_sent_two_days_ahead_when_checked_then_notice_is_too_short() -> None:
    assert rules(check_promotion(sale(48), now=NOW)) == {"sale_notice"}
    assert check_promotion(sale(72), now=NOW) == []


def test_given_a_sale_of_4_percent_without_reference_when_checked_then_two_rules_break() -> None:
    problems = check_promotion(sale(100, percent=Decimal(4), reference=None), now=NOW)
    assert rules(problems) == {"sale_reduction", "sale_reference_price"}


def test_given_two_flash_sales_a_day_apart_when_checked_then_the_48_hour_gap_is_named() -> None:
    problems = check_promotions([flash(1, 24), flash(49, 24)], now=NOW)
    assert [(p.field, p.rule) for p in problems] == [
        ("discountComponents[1].startDate", "flash_sale_gap")
    ]
    assert check_promotions([flash(1, 24), flash(73, 24)], now=NOW) == []


def test_given_an_ended_flash_sale_in_history_when_another_starts_soon_then_the_gap_counts() -> (
    None
):
    ended = flash(-30, 24)
    assert rules(check_promotions([flash(1, 10)], now=NOW, history=[ended])) == {"flash_sale_gap"}
    # An upcoming promotion in history is replaced, so it does not count.
    assert check_promotions([flash(1, 10)], now=NOW, history=[flash(5, 10)]) == []


@given(
    st.floats(min_value=0.5, max_value=200, allow_nan=False),
    st.decimals(min_value=-5, max_value=120, places=2),
)
def test_given_any_flash_sale_when_checked_then_duration_and_range_rules_follow(
    hours: float, percent: Decimal
) -> None:
    found = rules(check_promotion(flash(1, hours, percent), now=NOW))
    assert ("flash_sale_duration" in found) == (timedelta(hours=hours) > timedelta(hours=72))
    assert ("discount_range" in found) == (not Decimal(1) <= percent <= Decimal(99))


@given(
    st.floats(min_value=0, max_value=200, allow_nan=False),
    st.floats(min_value=1, max_value=72, allow_nan=False),
    st.floats(min_value=1, max_value=72, allow_nan=False),
)
def test_given_two_flash_sales_when_checked_then_the_gap_rule_follows_the_distance(
    second_start: float, first_hours: float, second_hours: float
) -> None:
    first, second = flash(1, first_hours), flash(1 + second_start, second_hours)
    found = rules(check_promotions([first, second], now=NOW))
    apart = second.start_date - first.end_date >= timedelta(hours=48)
    assert ("flash_sale_gap" in found) == (not apart)


promotion_kinds = st.sampled_from([PromotionType.FLASH_SALE, PromotionType.SALE])


@st.composite
def promotions(draw: st.DrawFn) -> DiscountComponent:
    start = NOW + timedelta(hours=draw(st.integers(min_value=-10, max_value=200)))
    return DiscountComponent(
        type=draw(promotion_kinds),
        discount_value=draw(st.decimals(min_value=0, max_value=100, places=1)),
        start_date=start,
        end_date=start + timedelta(hours=draw(st.integers(min_value=-2, max_value=120))),
        sales_reference_price=draw(st.one_of(st.none(), st.just(Decimal("30")))),
    )


def sandbox_verdict(sent: list[DiscountComponent], history: list[DiscountComponent]) -> bool:
    existing = [
        sandbox_promotions.Promotion(
            str(item.type),
            item.discount_value,
            item.start_date,
            item.end_date,
            item.sales_reference_price,
            NOW,
        )
        for item in history
    ]
    raw = [item.to_payload() for item in sent]
    planned, _ = sandbox_promotions.plan(existing, raw, NOW)
    return planned is not None


@settings(max_examples=300)
@given(st.lists(promotions(), max_size=3), st.lists(promotions(), max_size=2))
def test_given_any_promotions_when_checked_then_client_and_sandbox_agree(
    sent: list[DiscountComponent], history: list[DiscountComponent]
) -> None:
    client_accepts = not check_promotions(sent, now=NOW, history=history)
    assert client_accepts == sandbox_verdict(sent, history)


# --- coalescing ----------------------------------------------------------------------------------


def test_given_a_stock_and_a_price_change_of_a_sku_when_coalesced_then_one_request_has_both() -> (
    None
):
    merged = coalesce(
        [
            offer_update("A", quantity=3),
            offer_update("B", quantity=1),
            offer_update("A", price=Decimal("9.90"), vat_percent=Decimal(20)),
            offer_update("A", quantity=5),
        ]
    )
    assert [request.seller_external_reference for request in merged] == ["A", "B"]
    assert merged[0].to_payload() == {
        "sellerExternalReference": "A",
        "quantity": 5,
        "price": {"price": 9.9, "taxes": [{"code": "VAT", "value": 20}]},
    }
    assert check_offer_request(merged[0], now=NOW) == []
