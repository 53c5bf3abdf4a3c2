"""Pricing on read offers (pure): VAT in either format, tolerance of unknown shapes, the
displayed price, price drift, promotions and the sales-channel feedback."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cdlink.octopia.models import Offer, PromotionType, SalesChannelFeedback


def offer(**fields: Any) -> Offer:
    return Offer.model_validate({"offerId": "1_A_New_CDISFR", "integrationPrice": 20, **fields})


def test_given_vat_as_a_rate_or_a_percentage_when_read_then_both_give_the_percentage() -> None:
    rate = offer(taxes=[{"code": "VAT", "type": "Rate", "value": 0.055}])
    percentage = offer(taxes=[{"code": "Ecotax", "value": 0.3}, {"code": "vat", "value": 20}])
    assert rate.vat_percent == Decimal("5.5")
    assert percentage.vat_percent == Decimal(20)


def test_given_unexpected_tax_and_promotion_shapes_when_read_then_the_offer_still_reads() -> None:
    odd = offer(taxes=[{"rate": 20}, "VAT"], discountComponents=[{"kind": "?"}, 3])
    assert odd.vat_percent is None
    assert odd.tax_lines == []
    assert odd.promotions == []


def test_given_a_promotion_running_when_read_then_displayed_price_differs_without_drift() -> None:
    read = offer(
        facialPrice={"price": 15},
        discountComponents=[
            {
                "type": "FlashSale",
                "discountValue": 25,
                "startDate": "2026-06-01T10:00:00Z",
                "endDate": "2026-06-01T20:00:00Z",
                "status": "Running",
            }
        ],
    )
    assert read.displayed_price == Decimal(15)
    assert read.price_drift(Decimal(20)) is None
    assert read.price_drift(Decimal("19.5")) == Decimal("0.5")
    assert [p.type for p in read.promotions] == [PromotionType.FLASH_SALE]
    assert offer().displayed_price == Decimal(20)


def test_given_feedback_with_unknown_keys_when_read_then_the_lowest_competitor_is_found() -> None:
    feedback = SalesChannelFeedback.model_validate(
        {
            "bestOfferDetails": {"isBestOffer": False, "bestPrice": 18, "newKey": 1},
            "competingOffers": [
                {"sellerId": 2, "price": 19, "shippingCost": 2.99},
                {"sellerId": 3, "price": 20},
                {"sellerId": 4},
            ],
            "offerCompetition": {"rank": 3},
        }
    )
    lowest = feedback.lowest_competitor
    assert lowest is not None
    assert lowest.seller_id == 3
    assert feedback.model_extra == {"offerCompetition": {"rank": 3}}
