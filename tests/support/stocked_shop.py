"""A stock-synced sandbox shop for the tests where orders and stock meet.

Connection 1 sells warehouses PARIS (priority 0) and LYON (priority 1); the catalog holds the
sandbox's SKUs, with no stock entered yet. The streams run through a registry whose stock pusher
waits on the manual clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import OctopiaClient, RetryPolicy
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.store.models import Connection, Order, Product, Reservation, StockLevel, Warehouse
from cdlink.sync.engine.streams import StreamContext, StreamRegistry
from cdlink.sync.orders.actions import OrderActionsExporter, request_action
from cdlink.sync.orders.cancellation_reasons import CancellationReasonsFetcher
from cdlink.sync.orders.carriers import CarriersFetcher
from cdlink.sync.orders.stream import OrdersImporter
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection

CONNECTION = 1
OFFERS = 12


def sku(index: int) -> str:
    return f"SKU-{index + 1:05d}"


def stocked_environment(
    settings: Settings, database: Database, sandbox: Sandbox, clock: ManualClock
) -> JobEnvironment:
    with database.session() as session:
        session.add(
            sandbox_connection(
                settings, sandbox, clock.now(), connection_id=CONNECTION, stock_sync_enabled=True
            )
        )
        session.flush()
        for index in range(OFFERS):
            add_product(session, clock, sku(index), title=f"Product {index}")
        stock = Inventory(session, clock, publish_to_outbox)
        for priority, (code, name) in enumerate((("PARIS", "Paris"), ("LYON", "Lyon"))):
            add_warehouse(session, clock, code, name)
            stock.map_warehouse(code, CONNECTION, priority=priority)

    class ManualClockPusher(StockPusher):
        def wait(self, context: StreamContext, seconds: float) -> None:
            clock.advance(seconds)

    registry = StreamRegistry()
    for stream in (
        OrdersImporter,
        OrderActionsExporter,
        ManualClockPusher,
        CancellationReasonsFetcher,
        CarriersFetcher,
    ):
        registry.register(stream)
    retry = RetryPolicy(sleep=lambda seconds: None)
    clients = in_process_clients(settings, clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, clock, registry, clients=clients)


@contextmanager
def inventory(environment: JobEnvironment) -> Iterator[Inventory]:
    with environment.database.session() as session:
        yield Inventory(session, environment.clock, publish_to_outbox)


def run(environment: JobEnvironment, stream: str) -> None:
    report = environment.runner().run(CONNECTION, stream)
    assert report.outcome == "succeeded", report.message


def marketplace_lines(sandbox: Sandbox, order_id: str) -> Counter[str]:
    """The units of each SKU the marketplace's order holds."""
    units: Counter[str] = Counter()
    for line in sandbox.order(order_id)["lines"]:
        units[line["offer"]["sellerProductId"]] += int(line["quantity"])
    return units


def reserved(environment: JobEnvironment) -> dict[str, int]:
    """Units reserved per SKU, every order together."""
    with environment.database.reading() as session:
        query = (
            select(Product.sku, func.sum(Reservation.quantity))
            .join(Product, Product.id == Reservation.product_id)
            .group_by(Product.sku)
        )
        return {row_sku: int(total) for row_sku, total in session.execute(query) if total}


def on_hand(environment: JobEnvironment, code: str, item: str) -> int:
    with environment.database.reading() as session:
        query = (
            select(StockLevel.on_hand)
            .join(Product, Product.id == StockLevel.product_id)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            .where(Product.sku == item, Warehouse.code == code)
        )
        return int(session.scalar(query) or 0)


def offer_quantity(sandbox: Sandbox, item: str) -> int:
    return int(sandbox.offer(item)["quantity"])


def ask(
    environment: JobEnvironment, order_id: str, kind: str, payload: dict[str, object] | None = None
) -> int:
    with environment.database.session() as session:
        order = session.scalars(select(Order).where(Order.marketplace_order_id == order_id)).one()
        action = request_action(
            session, order, kind, payload, requested_by="seller", now=environment.clock.now()
        )
        return action.id


def stored(environment: JobEnvironment, order_id: str) -> Order:
    with environment.database.reading() as session:
        order = session.scalars(select(Order).where(Order.marketplace_order_id == order_id)).one()
        _ = order.lines
        return order


def seller_client(environment: JobEnvironment) -> OctopiaClient:
    assert environment.clients is not None
    with environment.database.reading() as session:
        return environment.clients(session.get_one(Connection, CONNECTION))
