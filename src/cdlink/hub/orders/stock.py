"""What an order does to stock: reservations while it is open, units taken once when it ships.

``follow(order, inventory)`` makes the stock agree with the order *as stored* (after
``cdlink.hub.orders.records.save_order``, which ignores older versions), so running it again, or
after a version delivered twice or late, changes nothing. Per line, with its status (the order's
when the line has none; every line is closed when the order is ``Cancelled`` or ``Refused``):

- **open** (``WaitingAcceptance``, ``Accepted``, ``InPreparation``): its quantity is reserved,
  and the line is marked ``stock_held`` (cdlink saw it before it left the shelf);
- **shipped** (``Shipped``, ``Delivered``): not reserved; if it was held, its units are taken from
  on-hand once (``stock_shipped`` records how many), from the connection's warehouses by priority
  (``Inventory.take``); a line first seen shipped (history) takes nothing: it left before cdlink
  counted the stock; nor does a product whose stock is not managed in cdlink (unknown SKU, or no
  stock entered in any warehouse);
- **closed** (anything else: ``Cancelled``, ``Refused``, ``CancelRequest``, ``Rejected``…): not
  reserved.

An order's reservations are keyed by its marketplace order id and summed per SKU of its lines;
``Inventory.hold`` sets them to exactly that. ``coverage`` tells whether the connection's stock
covers an order, for the acceptance policy (``cdlink.hub.orders.acceptance``): a SKU whose stock
was never entered in the connection's warehouses is *unmanaged* there, an issue of its own (the
seller decides), never a shortage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.stock.inventory import Inventory, is_managed, is_managed_on
from cdlink.store.models import Order, OrderLine, Product, Reservation

OPEN_STATUSES = frozenset({"WaitingAcceptance", "Accepted", "InPreparation"})
SHIPPED_STATUSES = frozenset({"Shipped", "Delivered"})
#: Order statuses that close every line, whatever the line says.
CLOSING_STATUSES = frozenset({"Cancelled", "Refused"})
OPEN, SHIPPED, CLOSED = "open", "shipped", "closed"
#: Kinds of ``Order.stock_issues``.
SHORT, UNKNOWN_SKU, NO_SKU, UNMANAGED, MISSING_AT_SHIPMENT = (
    "short",
    "unknown_sku",
    "no_sku",
    "unmanaged",
    "missing_at_shipment",
)
_ACCEPTANCE_ISSUES = frozenset({SHORT, UNKNOWN_SKU, NO_SKU, UNMANAGED})
SHIPMENT_REASON = "shipment"


def line_state(order: Order, line: OrderLine) -> str:
    """``open``, ``shipped`` or ``closed`` (see the module docstring)."""
    return state_of(order.status, line.status)


def state_of(order_status: str, line_status: str | None) -> str:
    """``line_state`` of a line in ``line_status`` (None: the order's) of an order in
    ``order_status``."""
    if order_status in CLOSING_STATUSES:
        return CLOSED
    status = line_status or order_status
    if status in OPEN_STATUSES:
        return OPEN
    if status in SHIPPED_STATUSES:
        return SHIPPED
    return CLOSED


class LineView(Protocol):
    """What the stock reads of an order line: a stored one, or the draft of a new one."""

    @property
    def status(self) -> str | None: ...
    @property
    def seller_sku(self) -> str | None: ...
    @property
    def quantity(self) -> int: ...


class OrderView(Protocol):
    """What the stock reads of an order: a stored one, or a new one (``NewOrder``)."""

    @property
    def connection_id(self) -> int: ...
    @property
    def marketplace_order_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def lines(self) -> Sequence[LineView]: ...


def wanted(order: OrderView) -> dict[str, int]:
    """Units the order's open lines hold, per seller SKU."""
    units: dict[str, int] = defaultdict(int)
    for line in order.lines:
        if line.seller_sku and state_of(order.status, line.status) == OPEN:
            units[line.seller_sku] += line.quantity
    return dict(units)


def skus_of(orders: Iterable[OrderView]) -> set[str]:
    """The seller SKUs of the orders' lines."""
    return {line.seller_sku for order in orders for line in order.lines if line.seller_sku}


def follow(order: Order, inventory: Inventory) -> None:
    """Apply what the stored order has not yet done to stock (idempotent)."""
    for line in order.lines:
        state = line_state(order, line)
        if state == OPEN:
            line.stock_held = True
        elif state == SHIPPED and line.stock_held and line.stock_shipped < line.quantity:
            _ship(order, line, inventory)
    inventory.hold(order.connection_id, order.marketplace_order_id, wanted(order))
    if order.status != "WaitingAcceptance":
        _drop_acceptance_issues(order)


def follow_new(order: OrderView, inventory: Inventory) -> None:
    """``follow`` for an order just inserted with its open lines marked ``stock_held``
    (``cdlink.hub.orders.records.insert_orders``): no line of it has shipped while held, and it
    has no acceptance issue yet, so what is left is to hold its open lines' units."""
    inventory.hold(order.connection_id, order.marketplace_order_id, wanted(order))


def coverage(order: Order, inventory: Inventory, *, lock: bool = True) -> list[dict[str, Any]]:
    """What the connection's stock lacks to cover every open line of the order (empty: covered).

    Available-to-sell is counted as if the order held nothing yet (it may already reserve its
    own units). A line without a SKU, whose SKU the catalog does not know, or whose stock was
    never entered in the connection's warehouses (unmanaged) is not covered, each with its own
    kind. The products are locked (``FOR UPDATE`` on PostgreSQL; ``lock=False`` for a read-only
    preview) so that two transactions deciding at once cannot both count the same units.
    """
    issues: list[dict[str, Any]] = []
    needed: dict[str, int] = defaultdict(int)
    for line in order.lines:
        if line_state(order, line) != OPEN:
            continue
        if not line.seller_sku:
            issues.append({"kind": NO_SKU, "line": line.line_id})
        else:
            needed[line.seller_sku] += line.quantity
    session = inventory.session
    for sku in sorted(needed):
        query = select(Product).where(Product.sku == sku)
        product = session.scalar(query.with_for_update() if lock else query)
        if product is None:
            issues.append({"kind": UNKNOWN_SKU, "sku": sku})
            continue
        if not is_managed_on(session, product, order.connection_id):
            issues.append({"kind": UNMANAGED, "sku": sku})
            continue
        excluding = (order.connection_id, order.marketplace_order_id)
        available = inventory.available(order.connection_id, product, excluding=excluding)
        if available < needed[sku]:
            issues.append(
                {"kind": SHORT, "sku": sku, "wanted": needed[sku], "available": available}
            )
    return issues


def reservations_of(session: Session, order: Order) -> dict[str, int]:
    """Units the order holds now, per SKU."""
    query = (
        select(Product.sku, Reservation.quantity)
        .join(Product, Product.id == Reservation.product_id)
        .where(
            Reservation.connection_id == order.connection_id,
            Reservation.order_reference == order.marketplace_order_id,
        )
        .order_by(Product.sku)
    )
    return {sku: int(quantity) for sku, quantity in session.execute(query)}


def set_acceptance_issues(order: Order, issues: list[dict[str, Any]]) -> None:
    """Replace the order's acceptance issues (shipment issues stay)."""
    kept = [issue for issue in order.stock_issues or [] if issue["kind"] not in _ACCEPTANCE_ISSUES]
    order.stock_issues = kept + issues


def describe(issue: dict[str, Any]) -> str:
    """An issue in English, for logs, the CLI and the API (the pages translate their own)."""
    kind = issue["kind"]
    if kind == SHORT:
        return (
            f"not enough stock for SKU {issue['sku']}: {issue['wanted']} wanted, "
            f"{issue['available']} available"
        )
    if kind == UNKNOWN_SKU:
        return f"SKU {issue['sku']} is not in the catalog"
    if kind == NO_SKU:
        return f"line {issue['line']} has no seller SKU"
    if kind == UNMANAGED:
        return (
            f"stock not managed for SKU {issue['sku']}: no stock was ever entered for it in the "
            "connection's warehouses"
        )
    return (
        f"shipment of line {issue['line']}: {issue['missing']} unit(s) of SKU {issue['sku']} "
        "were not on hand in the connection's warehouses"
    )


def _ship(order: Order, line: OrderLine, inventory: Inventory) -> None:
    """Take the line's units once; a product whose stock cdlink does not manage takes nothing."""
    units = line.quantity - line.stock_shipped
    line.stock_shipped = line.quantity
    product = (
        inventory.session.scalar(select(Product).where(Product.sku == line.seller_sku))
        if line.seller_sku
        else None
    )
    if product is None or not is_managed(inventory.session, product):
        return
    missing = inventory.take(
        order.connection_id,
        product.sku,
        units,
        f"{SHIPMENT_REASON} {order.marketplace_order_id}"[:40],
        note=f"order {order.marketplace_order_id}, line {line.line_id}",
    )
    if missing > 0:
        issue = {
            "kind": MISSING_AT_SHIPMENT,
            "line": line.line_id,
            "sku": product.sku,
            "missing": missing,
        }
        order.stock_issues = [*(order.stock_issues or []), issue]


def _drop_acceptance_issues(order: Order) -> None:
    if any(issue["kind"] in _ACCEPTANCE_ISSUES for issue in order.stock_issues or []):
        set_acceptance_issues(order, [])
