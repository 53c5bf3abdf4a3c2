"""Available-to-sell: the quantity a connection may offer (DESIGN.md §4), in Python and in SQL.

``available_to_sell`` computes it from numbers already read; ``available_to_sell_sql`` is the
same rule as a SQL expression, for queries that compute it over many products at once (the
dashboard's stock alerts) or in one statement (``Inventory.available``). They live side by side
so that a change to one is made to the other; a property test checks that they agree on both
databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, func


def available_to_sell(on_hand: Iterable[int], reserved: int, buffer: int) -> int:
    """max(0, Σ on-hand in the connection's warehouses - reserved - buffer).

    A negative on-hand (a miscount the seller has not fixed yet) counts as zero, so one wrong
    warehouse can never raise what another one holds; the result is never above the on-hand total.
    A negative reserved or buffer counts as zero too.
    """
    total = sum(max(0, units) for units in on_hand)
    return max(0, min(total, total - max(0, reserved) - max(0, buffer)))


def positive(value: Any) -> ColumnElement[int]:
    """``value`` when above zero, else 0 (SQL)."""
    return case((value > 0, value), else_=0)


def on_hand_total(on_hand: Any) -> ColumnElement[int]:
    """Σ on-hand over the rows of a group, a negative level counting as zero (SQL aggregate)."""
    return func.coalesce(func.sum(positive(on_hand)), 0)


def available_to_sell_sql(on_hand: Any, reserved: Any, buffer: Any) -> ColumnElement[int]:
    """``available_to_sell`` as SQL, from the on-hand total (``on_hand_total``), the units
    reserved and the buffer. Subtracting non-negative amounts never exceeds the total, so the
    ``min`` of the Python rule needs no SQL counterpart.
    """
    left = on_hand - positive(reserved) - positive(buffer)
    return case((left > 0, left), else_=0)
