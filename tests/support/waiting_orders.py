"""A shop with orders waiting for acceptance, for the automatic refusal tests (no marketplace).

Connection ``Shop`` sells warehouse PARIS. ``COUNTED`` has 1 unit there, ``PLENTY`` 50;
``UNCOUNTED`` is in the catalog with no stock entered anywhere, and ``ELSEWHERE`` has stock only
in LYON, a warehouse the connection does not sell: both are unmanaged on the connection.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from cdlink.core.clock import ManualClock
from cdlink.hub.orders.actions import IN_STOCK, set_acceptance_policy
from cdlink.hub.orders.records import LineDraft, OrderDraft
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.store.engine import Database
from cdlink.store.models import Order, OrderAction
from cdlink.sync.orders.stock import save_with_stock
from cdlink.sync.stock.pusher import publish_to_outbox
from tests.support.connections import add_connection

COUNTED, PLENTY, UNCOUNTED, ELSEWHERE = "MUG-COUNTED", "MUG-PLENTY", "MUG-UNCOUNTED", "MUG-LYON"
#: Why automatic refusal refuses an order of 2 ``COUNTED``.
SHORT_REASON = f"not enough stock for SKU {COUNTED}: 2 wanted, 1 available"


def stocked_shop(database: Database, clock: ManualClock) -> int:
    """The shop of the module docstring; its connection id."""
    connection_id = add_connection(database, clock, "Shop")
    with database.session() as session:
        for sku in (COUNTED, PLENTY, UNCOUNTED, ELSEWHERE):
            add_product(session, clock, sku, title=f"Mug {sku}")
        add_warehouse(session, clock, "PARIS", "Paris")
        add_warehouse(session, clock, "LYON", "Lyon")
        stock = Inventory(session, clock, publish_to_outbox)
        stock.map_warehouse("PARIS", connection_id)
        stock.set_on_hand(COUNTED, "PARIS", 1, "count")
        stock.set_on_hand(PLENTY, "PARIS", 50, "count")
        stock.set_on_hand(ELSEWHERE, "LYON", 9, "count")
    return connection_id


def draft(order_id: str, clock: ManualClock, units: dict[str, int]) -> OrderDraft:
    """An order waiting for acceptance, one line per SKU (``units`` by SKU)."""
    lines = [
        LineDraft(
            line_id=str(number),
            status=None,
            quantity=quantity,
            unit_price=Decimal("9.90"),
            shipping_cost=Decimal("0.00"),
            total_amount=Decimal("9.90") * quantity,
            seller_sku=sku,
        )
        for number, (sku, quantity) in enumerate(units.items(), start=1)
    ]
    return OrderDraft(
        marketplace_order_id=order_id,
        status="WaitingAcceptance",
        updated_at=clock.now() - timedelta(minutes=1),
        currency="EUR",
        lines=lines,
    )


def waiting(database: Database, clock: ManualClock, connection_id: int, order: OrderDraft) -> int:
    """Import ``order`` with its stock effects, nothing decided (as under ``manual``); its id."""
    with database.session() as session:
        saved = save_with_stock(
            session,
            connection_id,
            order,
            clock=clock,
            now=clock.now(),
            stream="orders",
            run_id=None,
        )
        return saved.id


def refusals(database: Database) -> list[str]:
    """Marketplace ids of the orders with a refusal recorded, sorted."""
    with database.reading() as session:
        query = (
            select(Order.marketplace_order_id)
            .join(OrderAction, OrderAction.order_id == Order.id)
            .where(OrderAction.kind == "refuse")
        )
        return sorted(session.scalars(query))


def switch_on(database: Database, clock: ManualClock, connection_id: int) -> None:
    """Automatic refusal on (``in_stock``), from ``clock``'s now."""
    with database.session() as session:
        set_acceptance_policy(session, connection_id, IN_STOCK, clock.now(), auto_refuse=True)


def with_backlog(database: Database, clock: ManualClock, shop: int) -> None:
    """Three orders waiting before automatic refusal: one short, one covered, one uncounted."""
    waiting(database, clock, shop, draft("SHORT-1", clock, {COUNTED: 2}))
    waiting(database, clock, shop, draft("COVERED-1", clock, {PLENTY: 1}))
    waiting(database, clock, shop, draft("UNCOUNTED-1", clock, {UNCOUNTED: 1}))
    clock.advance(60)


def order_id(database: Database, marketplace_id: str) -> int:
    with database.reading() as session:
        query = select(Order.id).where(Order.marketplace_order_id == marketplace_id)
        return session.scalars(query).one()
