"""New orders inserted together (a first import's pages) are stored as if saved one by one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select

from cdlink.core.clock import ManualClock
from cdlink.hub.orders.records import LineDraft, NewOrder, OrderDraft
from cdlink.hub.orders.stock import follow_new
from cdlink.hub.orders.sync_events import save_many_with_events
from cdlink.store.base import Base
from cdlink.store.engine import Database
from cdlink.store.models import Product
from cdlink.sync.orders.stock import inventory, save_with_stock
from tests.support.connections import add_connection

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SKU = "MUG-BLUE"


def line(line_id: str, status: str | None, sku: str | None = SKU, **changes: Any) -> LineDraft:
    base = LineDraft(
        line_id=line_id,
        status=status,
        quantity=2,
        unit_price=Decimal("19.99"),
        shipping_cost=Decimal("4.90"),
        total_amount=Decimal("44.88"),
        seller_sku=sku,
        commission_amount=Decimal("3.60"),
        commission_rate=Decimal("0.1500"),
        taxes=[{"code": "VAT", "amount": "7.48", "rate": "20"}],
    )
    return replace(base, **changes)


def order(number: int, status: str, lines: list[LineDraft], **changes: Any) -> OrderDraft:
    base = OrderDraft(
        marketplace_order_id=f"26030209{number:02}ABC",
        status=status,
        updated_at=T0 + timedelta(minutes=number),
        currency="EUR",
        lines=lines,
        reference=f"REF-{number}",
        purchased_at=T0 - timedelta(hours=number),
        total_amount=Decimal("44.88"),
        service_fees=[{"label": "Frais de paiement en 4 fois", "amount": "1.95"}],
        customer_reference=f"C-{number % 3}",
        customer_name="Léa Martin",
        customer_email="lea.martin@example.fr",
        billing_address={"city": "Lyon", "zipCode": "69002"},
    )
    return replace(base, **changes)


DRAFTS = [
    order(1, "WaitingAcceptance", [line("L1", None), line("L2", "WaitingAcceptance", sku=None)]),
    order(2, "InPreparation", [line("L1", "InPreparation")], shipping_address={"city": "Caen"}),
    order(3, "Shipped", [line("L1", "Shipped"), line("L2", "Cancelled")]),
    order(4, "Cancelled", [line("L1", "Accepted")], billing_address=None, customer_name=None),
    order(
        5,
        "Accepted",
        [line("L1", None, sku="UNKNOWN-SKU", commission_amount=None, taxes=[])],
        purchased_at=None,
        shipping_deadline=T0 + timedelta(days=3),
        customer_reference=None,
        customer_email=None,
    ),
]


def test_given_new_orders_when_inserted_together_then_they_are_stored_as_saved_one_by_one(
    database: Database, clock: ManualClock
) -> None:
    one_by_one = add_connection(database, clock, "One by one")
    together = add_connection(database, clock, "Together")
    with database.session() as session:
        session.add(Product(sku=SKU, title="Mug", created_at=clock.now(), updated_at=clock.now()))
    with database.session() as session:
        for draft in DRAFTS:
            save_with_stock(
                session, one_by_one, draft, clock=clock, now=clock.now(), stream="orders", run_id=7
            )
    with database.session() as session:
        stock = inventory(session, clock)
        drafts: list[tuple[OrderDraft, int | None]] = [(draft, None) for draft in DRAFTS]
        for saved in save_many_with_events(
            session, together, drafts, clock.now(), stream="orders", run_id=7
        ):
            assert isinstance(saved, NewOrder)
            follow_new(saved, stock)

    assert stored(database, together) == stored(database, one_by_one)
    assert len(stored(database, together)["order_lines"]) == 7


def stored(database: Database, connection_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """What the connection's orders wrote in each table, ids replaced by marketplace ids, every
    JSON column with whether it is SQL NULL (the JSON ``null`` is another value)."""
    tables = Base.metadata.tables
    orders = tables["orders"]
    with database.reading() as session:
        references = dict(
            session.execute(
                select(orders.c.id, orders.c.marketplace_order_id).where(
                    orders.c.connection_id == connection_id
                )
            ).all()
        )
        found = {
            name: rows(session, tables[name], "order_id", references)
            for name in ("order_lines", "order_status_events", "order_sync_events")
        }
        found["orders"] = rows(session, orders, "id", references)
        for name in ("order_days", "order_hours", "customers"):
            found[name] = rows(session, tables[name], "connection_id", {connection_id: "shop"})
        reservations = tables["stock_reservations"]
        found["stock_reservations"] = sorted(
            (row.order_reference, row.product_id, row.quantity)
            for row in session.execute(
                select(reservations).where(reservations.c.connection_id == connection_id)
            )
        )
    return found


def rows(session: Any, table: Table, key: str, owners: dict[Any, str]) -> list[tuple[Any, ...]]:
    """The rows of ``table`` whose ``key`` is in ``owners``, without their own id, ``key``
    shown as its owner's name."""
    columns = [c for c in table.columns if c.name not in {"id", "connection_id", key}]
    nulls = [c.is_(None) for c in columns if c.type.__class__.__name__ == "JSON"]
    query = select(table.c[key], *columns, *nulls).where(table.c[key].in_(list(owners)))
    return sorted(
        ((owners[row[0]], *(repr(value) for value in row[1:])) for row in session.execute(query)),
    )
