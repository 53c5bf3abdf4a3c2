"""`GET /orders` and `/orders/count`: every filter of reference §6.2.2, both sort formats.

The time window of the sort field is found by binary search in the shop's index; a page without
other filters is then a slice. Other filters walk the window lazily and stop at the page's end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from cdlink.core.clock import ensure_utc
from cdlink.sandbox.gateway import Call
from cdlink.sandbox.model import CHANNEL, ORDER_STATUSES, Order
from cdlink.sandbox.responses import ApiError
from cdlink.sandbox.shop import OrderIndex

SORT_FIELDS = ("createdAt", "updatedAt")
SUPPLY_MODES = ("Seller", "Fulfillment", "Xdock")


@dataclass
class OrderQuery:
    sort: str = "createdAt"
    descending: bool = False
    bounds: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    checks: list[Callable[[Order], bool]] = field(default_factory=list)
    sort_check: Callable[[Order], bool] | None = None

    def window(self, name: str) -> tuple[datetime | None, datetime | None]:
        return self.bounds.get(name, (None, None))


def parse_time(call: Call, name: str) -> datetime | None:
    raw = call.query(name)
    if raw is None:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(raw.replace(" ", "+")))
    except ValueError as error:
        raise ApiError(400, f"{name} is not an ISO-8601 date-time", errors={name: [raw]}) from error


def parse_sort(call: Call) -> tuple[str, bool]:
    raw, style = call.query("sort"), call.state.config.variants.orders_sort
    desc = (call.query("desc") or "false").lower() == "true"
    if raw is None:
        return "createdAt", desc
    direction, colon, name = raw.rpartition(":")
    if colon and style in ("prefixed", "either") and direction in ("asc", "desc"):
        return check_sort_field(name), direction == "desc"
    if not colon and style in ("field", "either"):
        return check_sort_field(raw), desc
    expected = "asc:<field>" if style == "prefixed" else "<field> with desc=true|false"
    raise ApiError(400, f"sort must look like {expected}", errors={"sort": [raw]})


def check_sort_field(name: str) -> str:
    if name not in SORT_FIELDS:
        raise ApiError(400, f"cannot sort by {name!r}", errors={"sort": [name]})
    return name


def enum_filter(call: Call, name: str, allowed: tuple[str, ...]) -> str | None:
    value = call.query(name)
    if value is not None and value not in allowed:
        raise ApiError(400, f"{name} must be one of {', '.join(allowed)}", errors={name: [value]})
    return value


def parse_query(call: Call) -> OrderQuery:
    sort, descending = parse_sort(call)
    query = OrderQuery(sort=sort, descending=descending)
    for name, attribute in (
        ("createdAt", "created_at"),
        ("updatedAt", "updated_at"),
        ("shippedAt", "shipped_at"),
    ):
        low, high = parse_time(call, f"{name}Min"), parse_time(call, f"{name}Max")
        if low is None and high is None:
            continue
        query.bounds[name] = (low, high)
        if name != sort:
            query.checks.append(time_check(attribute, low, high))
        else:
            query.sort_check = time_check(attribute, low, high)
    add_value_filters(call, query)
    return query


def time_check(
    attribute: str, low: datetime | None, high: datetime | None
) -> Callable[[Order], bool]:
    def check(order: Order) -> bool:
        value = getattr(order, attribute)
        if value is None:
            return False
        return (low is None or value >= low) and (high is None or value <= high)

    return check


def add_value_filters(call: Call, query: OrderQuery) -> None:
    status = enum_filter(call, "status", ORDER_STATUSES)
    if status is not None:
        query.checks.append(lambda order: order.status == status)
    supply = enum_filter(call, "supplyMode", SUPPLY_MODES)
    if supply is not None and supply != "Seller":
        query.checks.append(lambda order: False)
    reference = call.query("reference")
    if reference is not None:
        query.checks.append(lambda order: order.order_id == reference)
    channel = call.query("salesChannelId")
    if channel is not None and channel != CHANNEL:
        query.checks.append(lambda order: False)
    country = call.query("shippingCountry")
    if country is not None:
        query.checks.append(lambda order: order.shipping_address.country_code == country.upper())
    business = call.query("businessOrder")
    if business is not None:
        if business.lower() not in ("true", "false"):
            raise ApiError(
                400, "businessOrder must be true or false", errors={"businessOrder": [business]}
            )
        wanted = business.lower() == "true"
        query.checks.append(lambda order: order.business_order == wanted)


def index_for(call: Call, query: OrderQuery) -> OrderIndex:
    return call.shop.by_updated if query.sort == "updatedAt" else call.shop.by_created


def matching(call: Call, query: OrderQuery) -> Iterator[Order]:
    index = index_for(call, query)
    low, high = index.bounds(*query.window(query.sort))
    narrow = narrow_window(call, query, high - low)
    if narrow is not None:
        yield from narrow
        return
    positions = range(high - 1, low - 1, -1) if query.descending else range(low, high)
    orders = call.shop.orders
    for position in positions:
        order = orders[index.order_id_at(position)]
        if all(check(order) for check in query.checks):
            yield order


def page(call: Call, query: OrderQuery, page_index: int, page_size: int) -> list[Order]:
    skip = (page_index - 1) * page_size
    if query.checks:
        found: list[Order] = []
        for number, order in enumerate(matching(call, query)):
            if number >= skip:
                found.append(order)
                if len(found) == page_size:
                    break
        return found
    index = index_for(call, query)
    low, high = index.bounds(*query.window(query.sort))
    if query.descending:
        positions = range(high - 1 - skip, max(high - 1 - skip - page_size, low - 1), -1)
    else:
        positions = range(low + skip, min(low + skip + page_size, high))
    return [call.shop.orders[index.order_id_at(position)] for position in positions]


def count(call: Call, query: OrderQuery) -> int:
    if query.checks:
        return sum(1 for _ in matching(call, query))
    low, high = index_for(call, query).bounds(*query.window(query.sort))
    return high - low


def narrow_window(call: Call, query: OrderQuery, scan_size: int) -> list[Order] | None:
    """When the other date's window is much smaller than the scan (``updatedAtMin`` = recent
    changes, listed in creation order), read that window and sort it instead of scanning."""
    other = "createdAt" if query.sort == "updatedAt" else "updatedAt"
    if other not in query.bounds:
        return None
    index = call.shop.by_created if other == "createdAt" else call.shop.by_updated
    low, high = index.bounds(*query.bounds[other])
    if (high - low) * 4 >= scan_size:
        return None
    checks = [*query.checks, *([query.sort_check] if query.sort_check else [])]
    orders = call.shop.orders
    found = [
        order
        for order in (orders[index.order_id_at(position)] for position in range(low, high))
        if all(check(order) for check in checks)
    ]
    attribute = "updated_at" if query.sort == "updatedAt" else "created_at"
    found.sort(key=lambda order: (getattr(order, attribute), order.order_id))
    return found[::-1] if query.descending else found
