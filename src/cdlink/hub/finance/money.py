"""Cents and Decimals: finance amounts are stored in cents (exact sums in SQL on every
database) and shown as ``Decimal``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) * CENT).quantize(CENT)


def maybe(cents: int | None) -> Decimal | None:
    return None if cents is None else from_cents(cents)
