"""The pure price rules: rounding, price lists, guards, the 30-day reference price (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdlink.hub.pricing.rules import (
    ROUNDINGS,
    Guards,
    InvalidPriceError,
    check_price,
    check_strike_price,
    guard,
    list_price,
    reference_price,
    round_price,
)

AT = datetime(2026, 6, 1, tzinfo=UTC)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(99999), places=2)
endings = st.sampled_from([rounding for rounding in ROUNDINGS if rounding not in ("none", "1")])
moments = st.integers(min_value=-90 * 24, max_value=0).map(
    lambda hours: AT + timedelta(hours=hours)
)
history = st.lists(st.tuples(moments, prices), max_size=12, unique_by=lambda entry: entry[0])


@given(prices, endings)
def test_given_any_price_when_rounded_to_an_ending_then_it_ends_so_and_goes_up_by_under_a_euro(
    price: Decimal, ending: str
) -> None:
    rounded = round_price(price, ending)
    assert rounded >= price
    assert rounded - price < 1
    assert rounded % 1 == Decimal(ending)


@given(prices)
def test_given_any_price_when_rounded_to_whole_euros_then_it_is_the_next_whole_euro(
    price: Decimal,
) -> None:
    rounded = round_price(price, "1")
    assert rounded % 1 == 0
    assert price <= rounded < price + 1


@given(prices, st.decimals(min_value=0, max_value=200, places=2), st.sampled_from(ROUNDINGS))
def test_given_a_positive_markup_when_listed_then_the_price_is_never_below_the_base(
    base: Decimal, markup: Decimal, rounding: str
) -> None:
    for kind in ("percent", "fixed"):
        assert list_price(base, markup_kind=kind, markup=markup, rounding=rounding) >= base


def test_given_examples_when_rounded_then_they_match_the_documentation() -> None:
    assert round_price(Decimal("12.34"), "0.99") == Decimal("12.99")
    assert round_price(Decimal("13.00"), "0.99") == Decimal("13.99")
    assert round_price(Decimal("12.99"), "0.99") == Decimal("12.99")
    assert list_price(
        Decimal(10), markup_kind="percent", markup=Decimal(25), rounding="0.99"
    ) == Decimal("12.99")
    assert list_price(
        Decimal(10), markup_kind="fixed", markup=Decimal("2.5"), rounding="none"
    ) == Decimal("12.50")


@pytest.mark.parametrize("price", [Decimal(0), Decimal("-1"), Decimal("1.234")])
def test_given_a_zero_negative_or_sub_cent_price_when_checked_then_it_is_refused(
    price: Decimal,
) -> None:
    with pytest.raises(InvalidPriceError):
        check_price(price)


def test_given_a_strike_price_not_above_the_price_when_checked_then_the_rule_is_named() -> None:
    with pytest.raises(InvalidPriceError, match="must be above the price"):
        check_strike_price(Decimal("9.99"), Decimal("9.99"))
    check_strike_price(Decimal("12.00"), Decimal("9.99"))


@given(prices, prices, prices)
def test_given_a_floor_and_ceiling_when_guarded_then_only_prices_between_them_pass(
    price: Decimal, low: Decimal, high: Decimal
) -> None:
    floor, ceiling = min(low, high), max(low, high)
    hold = guard(price, Guards(floor=floor, ceiling=ceiling), None)
    assert (hold is None) == (floor <= price <= ceiling)
    if hold is not None:
        assert hold.reason in ("below_floor", "above_ceiling")


@given(prices, prices, st.decimals(min_value=1, max_value=100, places=0))
def test_given_a_max_change_when_guarded_then_a_bigger_change_is_held(
    previous: Decimal, price: Decimal, limit: Decimal
) -> None:
    hold = guard(price, Guards(max_change_percent=limit), previous)
    change = abs(price - previous) / previous * 100
    assert (hold is not None) == (change > limit)


def brute_reference(entries: list[tuple[datetime, Decimal]], at: datetime) -> Decimal | None:
    """The lowest price shown at any hour of the window (the history's moments are whole
    hours, so hourly samples see every price that was in effect)."""
    ordered = sorted(entries)
    shown: list[Decimal] = []
    moment = at - timedelta(days=30)
    while moment <= at:
        current = [price for start, price in ordered if start <= moment]
        if current:
            shown.append(current[-1])
        moment += timedelta(hours=1)
    return min(shown, default=None)


@given(history)
def test_given_any_history_when_the_reference_is_computed_then_it_is_the_lowest_price_shown(
    entries: list[tuple[datetime, Decimal]],
) -> None:
    assert reference_price(entries, AT) == brute_reference(entries, AT)


@given(history, prices)
def test_given_a_lower_price_in_the_window_when_computed_then_the_reference_is_at_most_it(
    entries: list[tuple[datetime, Decimal]], low: Decimal
) -> None:
    found = reference_price([*entries, (AT - timedelta(days=3), low)], AT)
    assert found is not None
    assert found <= low


def test_given_a_price_older_than_30_days_when_replaced_in_the_window_then_it_counts() -> None:
    entries = [(AT - timedelta(days=40), Decimal(5)), (AT - timedelta(days=10), Decimal(20))]
    assert reference_price(entries, AT) == Decimal(5)
    entries = [(AT - timedelta(days=40), Decimal(5)), (AT - timedelta(days=30), Decimal(20))]
    assert reference_price(entries, AT) == Decimal(20)
