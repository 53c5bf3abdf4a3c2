"""The shop's performance indicators, computed from what happened to its orders (reference §6.1).

``GET /sellers/indicators`` answers, for each of the five indicators, its value over the last 30
and 60 days of the sandbox clock, the threshold and its kind (the legacy ``SellerIndicator``
fields in snake_case, addendum §6). The values move as orders are accepted, refused, shipped on
time or late, escalated to claims or refunded, so a client reading them daily sees a history.

- ``order_acceptation``: orders accepted / orders accepted or refused (ThresholdMin 97.5);
- ``product_shipping``: orders shipped / accepted orders that are shipped or past their
  shipping deadline (ThresholdMin 97.5);
- ``deadline_compliance``: orders shipped by their deadline / orders shipped (ThresholdMin 96);
- ``order_claims``: orders with a discussion escalated to a claim / orders (ThresholdMax 1);
- ``order_refunds``: orders with a refund, a gesture or a return / orders (ThresholdMax 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cdlink.sandbox.model import Order
from cdlink.sandbox.serialize import timestamp
from cdlink.sandbox.shop import SellerShop

THRESHOLDS: dict[str, tuple[Decimal, str]] = {
    "order_acceptation": (Decimal("97.5"), "ThresholdMin"),
    "product_shipping": (Decimal("97.5"), "ThresholdMin"),
    "deadline_compliance": (Decimal("96"), "ThresholdMin"),
    "order_claims": (Decimal("1"), "ThresholdMax"),
    "order_refunds": (Decimal("5"), "ThresholdMax"),
}
_ACCEPTED = frozenset({"Accepted", "InPreparation", "Shipped", "Delivered"})


def percent(part: int, whole: int, *, empty: Decimal) -> float:
    if whole == 0:
        return float(empty)
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")))


def indicators(shop: SellerShop, now: datetime) -> dict[str, Any]:
    """The five indicators of ``shop`` as of ``now``."""
    windows = {days: _figures(shop, now, days) for days in (30, 60)}
    return {
        name: {
            "value_d30": windows[30][name],
            "value_d60": windows[60][name],
            "threshold": float(threshold),
            "threshold_type": kind,
            "computation_date": timestamp(now),
        }
        for name, (threshold, kind) in THRESHOLDS.items()
    }


def _figures(shop: SellerShop, now: datetime, days: int) -> dict[str, float]:
    since = now - timedelta(days=days)
    orders = [order for order in shop.orders.values() if since <= order.created_at <= now]
    claimed = {
        item.order_id for item in shop.discussions.values() if item.graduation != "Discussion"
    }
    refunded = {item.order_id for item in shop.gestures} | {
        item.order_id for item in shop.returns.values()
    }
    accepted = [order for order in orders if _seen(order, _ACCEPTED)]
    refused = sum(1 for order in orders if _seen(order, {"Refused"}))
    shipped = [order for order in accepted if order.shipped_at is not None]
    due = [o for o in accepted if o.shipped_at is not None or o.shipped_at_max <= now]
    on_time = sum(1 for order in shipped if _on_time(order))
    hundred, zero = Decimal(100), Decimal(0)
    return {
        "order_acceptation": percent(len(accepted), len(accepted) + refused, empty=hundred),
        "product_shipping": percent(len(shipped), len(due), empty=hundred),
        "deadline_compliance": percent(on_time, len(shipped), empty=hundred),
        "order_claims": percent(_count(orders, claimed), len(orders), empty=zero),
        "order_refunds": percent(_count(orders, refunded), len(orders), empty=zero),
    }


def _on_time(order: Order) -> bool:
    return order.shipped_at is not None and order.shipped_at <= order.shipped_at_max


def _seen(order: Order, statuses: Iterable[str]) -> bool:
    wanted = set(statuses)
    return order.status in wanted or any(status in wanted for status, _ in order.status_events)


def _count(orders: list[Order], ids: set[str]) -> int:
    return sum(1 for order in orders if order.order_id in ids)
