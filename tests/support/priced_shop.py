"""A sandbox shop whose prices are synced: the tests of price sync, promotions and their API.

Connection 1 has stock sync and price sync on (a price list without markup), warehouse PARIS,
and the sandbox's SKUs with a base price of 20 € and 5 units each. The streams (stock pusher,
offers stream, promotions) wait on the manual clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from cdlink.core.clock import ManualClock
from cdlink.core.settings import Settings
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.stock.inventory import Inventory, add_product, add_warehouse
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.octopia import RetryPolicy
from cdlink.sandbox import Sandbox
from cdlink.store.engine import Database
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from cdlink.sync.pricing.promotions import PromotionsStream
from cdlink.sync.pricing.publish import publish_price_to_outbox
from cdlink.sync.stock.offer_import import OfferImport
from cdlink.sync.stock.pusher import StockPusher, publish_to_outbox
from tests.support.sandbox_shop import sandbox_connection

CONNECTION = 1
BASE_PRICE = Decimal(20)


def sku(index: int) -> str:
    return f"SKU-{index + 1:05d}"


def priced_environment(
    settings: Settings,
    database: Database,
    sandbox: Sandbox,
    clock: ManualClock,
    *,
    skus: int,
    extra_streams: tuple[type[Stream], ...] = (),
) -> JobEnvironment:
    with database.session() as session:
        session.add(
            sandbox_connection(
                settings, sandbox, clock.now(), connection_id=CONNECTION, stock_sync_enabled=True
            )
        )
        session.flush()
        for index in range(skus):
            add_product(session, clock, sku(index), title=f"Product {index}", price=BASE_PRICE)
        stock = Inventory(session, clock, publish_to_outbox)
        add_warehouse(session, clock, "PARIS", "Paris")
        stock.map_warehouse("PARIS", CONNECTION)
        for index in range(skus):
            stock.set_on_hand(sku(index), "PARIS", 5, "count")
        PriceBook(session, clock, publish_price_to_outbox).set_price_list(
            CONNECTION, sync_enabled=True
        )

    class ManualClockPusher(StockPusher):
        def wait(self, context: StreamContext, seconds: float) -> None:
            clock.advance(seconds)

    registry = StreamRegistry()
    for stream in (ManualClockPusher, OfferImport, promotions_on(clock), *extra_streams):
        registry.register(stream)
    retry = RetryPolicy(sleep=lambda seconds: clock.advance(seconds) and None)
    clients = in_process_clients(settings, clock, transports=sandbox.transport, retry=retry)
    return JobEnvironment(settings, database, clock, registry, clients=clients)


@contextmanager
def price_book(environment: JobEnvironment) -> Iterator[PriceBook]:
    """Price writes in one committed transaction, queueing pushes in the outbox."""
    with environment.database.session() as session:
        yield PriceBook(session, environment.clock, publish_price_to_outbox)


@contextmanager
def inventory(environment: JobEnvironment) -> Iterator[Inventory]:
    with environment.database.session() as session:
        yield Inventory(session, environment.clock, publish_to_outbox)


def promotions_on(clock: ManualClock) -> type[Stream]:
    """The promotions stream whose pauses move the manual clock instead of sleeping."""

    class ManualClockPromotions(PromotionsStream):
        def wait(self, context: StreamContext, seconds: float) -> None:
            clock.advance(seconds)

    return ManualClockPromotions
