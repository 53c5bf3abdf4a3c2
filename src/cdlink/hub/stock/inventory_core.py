"""What every stock operation shares: lookups, reads of available-to-sell, and publishing.

``Inventory`` (``cdlink.hub.stock.inventory``) is this core plus the writes of stock levels and
reservations (``levels``) and of buffers and warehouse mappings (``mapping``). Every write hands
the new available-to-sell of every affected (connection, SKU) to a ``StockPublisher`` in the same
transaction, only for connections with stock sync enabled. The hub does not know the outbox (it
sits below the sync layer); callers pass ``cdlink.sync.stock.pusher.publish_to_outbox``, which
queues the push and wakes the stock pusher. Inside ``deferred_publishing`` (a page of orders
holding stock), each product changed is handed over once, at the block's end, still in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.stock.availability import available_to_sell_sql, on_hand_total
from cdlink.hub.stock.figures import StockFigures, chunks
from cdlink.store.models import (
    EVERY_PRODUCT,
    Connection,
    Product,
    Reservation,
    StockBuffer,
    StockLevel,
    Warehouse,
    WarehouseConnection,
)

#: Called with (session, connection id, SKU, available-to-sell, now) after each stock change.
StockPublisher = Callable[[Session, int, str, int, datetime], None]
#: An order's reservations: (connection id, order reference).
OrderKey = tuple[int, str]
#: Values in one ``IN (…)`` list, below SQLite's and PostgreSQL's limits on parameters.
_CHUNK = 500
#: The most units a level (on-hand in one warehouse), a buffer or a reservation may hold: far
#: above any real shop, far below what a database integer or the marketplace can hold.
MAXIMUM_QUANTITY = 1_000_000


class UnknownProductError(CdlinkError):
    """No product has that SKU."""

    default_hint = translatable("Check the SKU, or import the offers of the connection first.")


class UnknownWarehouseError(CdlinkError):
    """No warehouse has that code."""

    default_hint = translatable("Create the warehouse in Settings → Warehouses, or check its code.")


class InvalidStockError(CdlinkError):
    """A quantity that cannot be stored (negative or over ``MAXIMUM_QUANTITY``: on-hand,
    reservation or buffer)."""

    default_hint = translatable("Use a whole number of units from 0 to 1,000,000.")


def check_quantity(quantity: int, what: str) -> None:
    """Refuse a quantity outside 0…``MAXIMUM_QUANTITY`` (``what`` names it in the message)."""
    if quantity < 0:
        raise InvalidStockError(f"{what} cannot be negative ({quantity})")
    if quantity > MAXIMUM_QUANTITY:
        raise InvalidStockError(f"{what} cannot be over {MAXIMUM_QUANTITY:,} units ({quantity})")


class InventoryCore:
    """Stock lookups, reads and publishing inside one session (the caller's transaction)."""

    def __init__(self, session: Session, clock: Clock, publish: StockPublisher) -> None:
        self.session = session
        self.clock = clock
        self.publish = publish
        # An Inventory lives for one transaction. These hold what it has read so that a burst of
        # changes costs a few statements each (the session's identity map only keeps weak
        # references, and a lookup by SKU or code always queries).
        self._products: dict[str, Product] = {}
        self._warehouses: dict[str, Warehouse] = {}
        self._levels: dict[tuple[int, int], StockLevel] = {}
        self._synced: list[int] | None = None
        # Read ahead for a page of orders (``preload``): their reservations by product, the
        # SKUs of their lines the catalog lacks, and the products known to have stock entered.
        self._held: dict[OrderKey, dict[int, Reservation]] = {}
        self._absent: set[str] = set()
        self._managed: set[int] = set()
        # Inside ``deferred_publishing``: the products changed so far, and the connections each
        # is to be published to (None: every stock-synced one).
        self._deferred: dict[int, tuple[Product, set[int] | None]] | None = None

    def preload(self, connection_id: int, references: Iterable[str], skus: Iterable[str]) -> None:
        """Read at once the reservations of a page of orders and the products of their SKUs, so
        that holding stock for each order (``hold``) queries nothing it already knows."""
        wanted = list(dict.fromkeys(references))
        skus = list(dict.fromkeys(skus))
        for start in range(0, len(wanted), _CHUNK):
            held = select(Reservation).where(
                Reservation.connection_id == connection_id,
                Reservation.order_reference.in_(wanted[start : start + _CHUNK]),
            )
            for reference in wanted[start : start + _CHUNK]:
                self._held[(connection_id, reference)] = {}
            for row in self.session.scalars(held):
                self._held[(connection_id, row.order_reference)][row.product_id] = row
        unknown = [sku for sku in skus if sku not in self._products]
        for start in range(0, len(unknown), _CHUNK):
            chunk = unknown[start : start + _CHUNK]
            products = select(Product).where(Product.sku.in_(chunk))
            self._products.update(
                (product.sku, product) for product in self.session.scalars(products)
            )
            self._absent.update(sku for sku in chunk if sku not in self._products)
        known = [self._products[sku].id for sku in skus if sku in self._products]
        for part in chunks(known):
            managed = select(StockLevel.product_id).where(StockLevel.product_id.in_(part))
            self._managed.update(self.session.scalars(managed.distinct()))

    def _managed_product(self, product: Product) -> bool:
        """``is_managed``, remembered once true (stock entered stays entered)."""
        if product.id in self._managed:
            return True
        if is_managed(self.session, product):
            self._managed.add(product.id)
            return True
        return False

    def product(self, sku: str) -> Product:
        product = self._products.get(sku)
        if product is None:
            product = self.session.scalar(select(Product).where(Product.sku == sku))
            if product is None:
                raise UnknownProductError(f"unknown SKU {sku!r}")
            self._products[sku] = product
        return product

    def warehouse(self, code: str) -> Warehouse:
        warehouse = self._warehouses.get(code)
        if warehouse is None:
            warehouse = self.session.scalar(select(Warehouse).where(Warehouse.code == code))
            if warehouse is None:
                raise UnknownWarehouseError(f"unknown warehouse {code!r}")
            self._warehouses[code] = warehouse
        return warehouse

    def available(
        self, connection_id: int, product: Product, *, excluding: OrderKey | None = None
    ) -> int:
        """The product's available-to-sell on ``connection_id`` (one query).

        ``excluding`` (connection id, order reference): as if that order held nothing, to ask
        whether stock covers an order that already reserves its own units.
        """
        on_hand = (
            select(on_hand_total(StockLevel.on_hand))
            .join(WarehouseConnection, WarehouseConnection.warehouse_id == StockLevel.warehouse_id)
            .where(
                StockLevel.product_id == product.id,
                WarehouseConnection.connection_id == connection_id,
            )
            .scalar_subquery()
        )
        reserved = self._reserved_query(product, excluding).scalar_subquery()
        buffer = (
            select(StockBuffer.quantity)
            .where(
                StockBuffer.connection_id == connection_id,
                StockBuffer.product_id.in_((product.id, EVERY_PRODUCT)),
            )
            .order_by(StockBuffer.product_id.desc())  # the product's own before the default
            .limit(1)
            .scalar_subquery()
        )
        return int(
            self.session.scalar(
                select(available_to_sell_sql(on_hand, reserved, func.coalesce(buffer, 0)))
            )
            or 0
        )

    def reserved(self, product: Product, *, excluding: OrderKey | None = None) -> int:
        """Units held by open orders of every connection: they are physically gone."""
        return int(self.session.scalar(self._reserved_query(product, excluding)) or 0)

    @staticmethod
    def _reserved_query(product: Product, excluding: OrderKey | None) -> Select[int]:
        query = select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.product_id == product.id
        )
        if excluding is not None:
            connection_id, order_reference = excluding
            query = query.where(
                ~(
                    (Reservation.connection_id == connection_id)
                    & (Reservation.order_reference == order_reference)
                )
            )
        return query

    def buffer(self, connection_id: int, product: Product) -> int:
        """The product's own buffer on the connection if set, else the connection's."""
        own = self.session.get(StockBuffer, (connection_id, product.id))
        if own is not None:
            return own.quantity
        default = self.session.get(StockBuffer, (connection_id, EVERY_PRODUCT))
        return 0 if default is None else default.quantity

    def _managed_products(self) -> list[Product]:
        """Products with stock entered somewhere; the others are not cdlink's to push yet."""
        managed = select(StockLevel.product_id).distinct()
        return list(self.session.scalars(select(Product).where(Product.id.in_(managed))))

    @contextmanager
    def deferred_publishing(self) -> Iterator[None]:
        """Publish each product changed inside the block once, at its end, its availability read
        in bulk (``StockFigures``) instead of one query per change.

        For a burst of changes in one transaction (a page of orders holding stock): the
        publisher receives the same final quantities, once per (connection, SKU), in the same
        transaction. Nothing is published when the block raises (the transaction is rolled
        back). A block inside another publishes at the outer one's end.
        """
        if self._deferred is not None:
            yield
            return
        self._deferred = {}
        try:
            yield
            changed = self._deferred
        finally:
            self._deferred = None
        self._publish_many(changed)

    def _publish(self, product: Product, only: int | None = None) -> None:
        """Hand the new available-to-sell to every stock-synced connection (or just ``only``)."""
        if self._deferred is not None:
            _, noted = self._deferred.get(product.id, (product, set()))
            connections = None if noted is None or only is None else noted | {only}
            self._deferred[product.id] = (product, connections)
            return
        now = self.clock.now()
        for connection_id in self._synced_connections():
            if only is not None and connection_id != only:
                continue
            self.publish(
                self.session,
                connection_id,
                product.sku,
                self.available(connection_id, product),
                now,
            )

    def _publish_many(self, changed: dict[int, tuple[Product, set[int] | None]]) -> None:
        """Publish each product of ``changed`` to its connections (None: every stock-synced
        one), availability read in bulk."""
        if not changed or not (synced := self._synced_connections()):
            return
        now = self.clock.now()
        figures = StockFigures.load(self.session, [product for product, _ in changed.values()])
        for product_id in sorted(changed):
            product, only = changed[product_id]
            for connection_id in synced:
                if only is None or connection_id in only:
                    quantity = figures.available(connection_id, product_id)
                    self.publish(self.session, connection_id, product.sku, quantity, now)

    def _publish_managed(self, connection_id: int) -> None:
        """Publish every managed product to one connection, availability read in bulk."""
        if connection_id in self._synced_connections():
            products = self._managed_products()
            self._publish_many({product.id: (product, {connection_id}) for product in products})

    def _synced_connections(self) -> list[int]:
        """Connections with stock sync on (read once per Inventory, i.e. per transaction)."""
        if self._synced is None:
            query = select(Connection.id).where(
                Connection.stock_sync_enabled.is_(True), Connection.state != "deleted"
            )
            self._synced = list(self.session.scalars(query.order_by(Connection.id)))
        return self._synced


def is_managed(session: Session, product: Product) -> bool:
    """Whether the seller has entered stock for the product in at least one warehouse."""
    query = select(StockLevel.product_id).where(StockLevel.product_id == product.id).limit(1)
    return session.scalar(query) is not None


def is_managed_on(session: Session, product: Product, connection_id: int) -> bool:
    """Whether stock was ever entered for the product in a warehouse the connection sells.

    A product with no stock level there is *unmanaged* on the connection: its available-to-sell
    reads 0 only because nobody counted it, so the acceptance policy never refuses an order for
    it (``cdlink.hub.orders.acceptance``).
    """
    query = (
        select(StockLevel.product_id)
        .join(WarehouseConnection, WarehouseConnection.warehouse_id == StockLevel.warehouse_id)
        .where(
            StockLevel.product_id == product.id,
            WarehouseConnection.connection_id == connection_id,
        )
        .limit(1)
    )
    return session.scalar(query) is not None
