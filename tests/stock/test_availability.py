"""Available-to-sell (DESIGN.md §4): never negative, never above what is on hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdlink.hub.stock.availability import available_to_sell

units = st.integers(min_value=-1000, max_value=100_000)
levels = st.lists(units, max_size=6)


@given(levels, units, units)
def test_given_any_levels_when_computed_then_available_is_never_negative(
    on_hand: list[int], reserved: int, buffer: int
) -> None:
    assert available_to_sell(on_hand, reserved, buffer) >= 0


@given(levels, units, units)
def test_given_any_levels_when_computed_then_available_never_exceeds_on_hand(
    on_hand: list[int], reserved: int, buffer: int
) -> None:
    assert available_to_sell(on_hand, reserved, buffer) <= sum(max(0, n) for n in on_hand)


@given(st.lists(st.integers(0, 1000), max_size=6), st.integers(0, 1000), st.integers(0, 1000))
def test_given_valid_levels_when_computed_then_it_is_on_hand_less_reserved_and_buffer(
    on_hand: list[int], reserved: int, buffer: int
) -> None:
    assert available_to_sell(on_hand, reserved, buffer) == max(0, sum(on_hand) - reserved - buffer)


@given(levels, units, units, st.integers(0, 1000))
def test_given_more_reserved_when_computed_then_available_never_rises(
    on_hand: list[int], reserved: int, buffer: int, more: int
) -> None:
    before = available_to_sell(on_hand, reserved, buffer)
    assert available_to_sell(on_hand, reserved + more, buffer) <= before


def test_given_two_warehouses_a_reservation_and_a_buffer_when_computed_then_the_example_holds() -> (
    None
):
    assert available_to_sell([7, 5], reserved=3, buffer=2) == 7
    assert available_to_sell([1, 0], reserved=3, buffer=2) == 0
