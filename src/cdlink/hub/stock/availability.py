"""Available-to-sell: the quantity a connection may offer, as a pure function (DESIGN.md §4)."""

from __future__ import annotations

from collections.abc import Iterable


def available_to_sell(on_hand: Iterable[int], reserved: int, buffer: int) -> int:
    """max(0, Σ on-hand in the connection's warehouses - reserved - buffer).

    A negative on-hand (a miscount the seller has not fixed yet) counts as zero, so one wrong
    warehouse can never raise what another one holds; the result is never above the on-hand total.
    """
    total = sum(max(0, units) for units in on_hand)
    return max(0, min(total, total - max(0, reserved) - max(0, buffer)))
