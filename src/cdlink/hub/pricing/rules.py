"""The pure price rules: a price list's price, its rounding, the guards, the reference price.

Every amount is a ``Decimal`` in euros, VAT included (what Cdiscount shows and expects).

- ``list_price``: a product's base price with the connection's markup (percent or fixed), then
  rounded up to an ending (``0.99``: 12.34 → 12.99, 13.00 → 13.99; ``1``: whole euros). Rounding
  only ever goes up, by less than one euro, so a markup is never eaten by the rounding.
- ``guard``: the reason a price must wait for a user's confirmation: under the SKU's floor, over
  its ceiling, or changed by more than the connection allows in one push (against the last price
  Cdiscount confirmed).
- ``reference_price``: the lowest price in effect on Cdiscount during the 30 days before a moment
  (the French Omnibus rule for announcing a reduction), from the SKU's price history.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable

CENT = Decimal("0.01")
MAXIMUM_PRICE = Decimal("1000000")
REFERENCE_DAYS = 30
MARKUP_KINDS = ("percent", "fixed")
ROUNDINGS = ("none", "0.99", "0.95", "0.90", "0.49", "1")
HOLD_REASONS = ("below_floor", "above_ceiling", "max_change")


class InvalidPriceError(CdlinkError):
    """A price, strike price, markup or guard that cannot be used."""

    default_hint = translatable(
        "Use an amount in euros, VAT included, above 0 (for example 19.99)."
    )


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def check_price(price: Decimal, what: str = "price") -> Decimal:
    """``price`` to the cent, or ``InvalidPriceError`` naming the rule it breaks."""
    if not price.is_finite() or price <= 0:
        raise InvalidPriceError(f"{what} must be above 0 € ({price})")
    if price >= MAXIMUM_PRICE:
        raise InvalidPriceError(f"{what} must be under {MAXIMUM_PRICE} € ({price})")
    if price != cents(price):
        raise InvalidPriceError(f"{what} has at most two decimals ({price})")
    return cents(price)


def check_strike_price(strike_price: Decimal | None, price: Decimal | None) -> None:
    """A strike price is shown crossed out above the price: it must be higher."""
    if strike_price is None:
        return
    check_price(strike_price, "the strike price")
    if price is not None and strike_price <= price:
        raise InvalidPriceError(
            f"the strike price ({strike_price} €) must be above the price ({price} €)"
        )


def round_price(price: Decimal, rounding: str) -> Decimal:
    """``price`` rounded up to the ending ``rounding`` names (``none``: to the cent)."""
    if rounding not in ROUNDINGS:
        raise InvalidPriceError(f"rounding must be one of {', '.join(ROUNDINGS)} ({rounding})")
    price = price.quantize(CENT, rounding=ROUND_CEILING)
    if rounding == "none":
        return price
    if rounding == "1":
        return price.quantize(Decimal(1), rounding=ROUND_CEILING).quantize(CENT)
    ending = Decimal(rounding)
    candidate = price.quantize(Decimal(1), rounding="ROUND_FLOOR") + ending
    return candidate if candidate >= price else candidate + 1


def list_price(base: Decimal, *, markup_kind: str, markup: Decimal, rounding: str) -> Decimal:
    """A base price with a markup (``percent`` or ``fixed`` euros) and a rounding."""
    if markup_kind == "percent":
        raw = base * (1 + markup / 100)
    elif markup_kind == "fixed":
        raw = base + markup
    else:
        raise InvalidPriceError(f"the markup is 'percent' or 'fixed' ({markup_kind})")
    return round_price(raw, rounding)


@dataclasses.dataclass(frozen=True, slots=True)
class Guards:
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    max_change_percent: Decimal | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Hold:
    """Why a price waits for a confirmation: ``reason`` (one of ``HOLD_REASONS``), ``limit``."""

    reason: str
    limit: Decimal


def change_percent(previous: Decimal, price: Decimal) -> Decimal:
    return abs(price - previous) / previous * 100


def guard(price: Decimal, guards: Guards, previous: Decimal | None) -> Hold | None:
    """The first guard ``price`` crosses, or ``None`` when it may be sent."""
    if guards.floor is not None and price < guards.floor:
        return Hold("below_floor", guards.floor)
    if guards.ceiling is not None and price > guards.ceiling:
        return Hold("above_ceiling", guards.ceiling)
    limit = guards.max_change_percent
    if (
        limit is not None
        and previous is not None
        and previous > 0
        and change_percent(previous, price) > limit
    ):
        return Hold("max_change", limit)
    return None


def check_guards(guards: Guards) -> None:
    for value, what in ((guards.floor, "the floor"), (guards.ceiling, "the ceiling")):
        if value is not None:
            check_price(value, what)
    if guards.floor is not None and guards.ceiling is not None and guards.floor > guards.ceiling:
        raise InvalidPriceError(
            f"the floor ({guards.floor} €) must not be above the ceiling ({guards.ceiling} €)"
        )
    change = guards.max_change_percent
    if change is not None and not Decimal(0) < change <= Decimal(1000):
        raise InvalidPriceError(f"the largest change per push is 0 to 1000 % ({change})")


def reference_price(
    history: Sequence[tuple[datetime, Decimal]],
    at: datetime,
    *,
    days: int = REFERENCE_DAYS,
) -> Decimal | None:
    """The lowest price in effect during the ``days`` before ``at``.

    ``history`` holds (moment the price took effect, price), in any order. The price in effect
    when the window opens counts (it was shown on its first day), later ones up to ``at``.
    ``None`` when no price was in effect in the window.
    """
    start = at - timedelta(days=days)
    ordered = sorted((moment, price) for moment, price in history if moment <= at)
    found: list[Decimal] = []
    for index, (moment, price) in enumerate(ordered):
        following = ordered[index + 1][0] if index + 1 < len(ordered) else None
        if moment >= start or following is None or following > start:
            found.append(price)
    return min(found, default=None)
