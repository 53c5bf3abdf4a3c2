"""Stock writes and reads: the one place that changes stock levels, reservations and buffers.

Every write journals a movement and, in the same transaction, hands the new available-to-sell
of every affected (connection, SKU) to a ``StockPublisher`` — only for connections with stock
sync enabled. The hub does not know the outbox (it sits below the sync layer); callers pass
``cdlink.sync.stock.pusher.publish_to_outbox``, which queues the push and wakes the stock pusher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.stock.availability import available_to_sell
from cdlink.hub.stock.figures import StockFigures
from cdlink.store.models import (
    Connection,
    Product,
    Reservation,
    StockBuffer,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseConnection,
)

#: Called with (session, connection id, SKU, available-to-sell, now) after each stock change.
StockPublisher = Callable[[Session, int, str, int, datetime], None]
#: An order's reservations: (connection id, order reference).
OrderKey = tuple[int, str]
EVERY_PRODUCT = 0


class UnknownProductError(CdlinkError):
    """No product has that SKU."""

    default_hint = translatable("Check the SKU, or import the offers of the connection first.")


class UnknownWarehouseError(CdlinkError):
    """No warehouse has that code."""

    default_hint = translatable("Create the warehouse in Settings → Warehouses, or check its code.")


class InvalidStockError(CdlinkError):
    """A quantity that cannot be stored (negative on-hand, reservation or buffer)."""

    default_hint = translatable("Use a whole number of units, zero or more.")


class Inventory:
    """Stock operations inside one session (the caller's transaction)."""

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

    def set_on_hand(self, sku: str, warehouse_code: str, quantity: int, reason: str) -> int:
        """Set the units on hand (a count); returns the change journaled."""
        if quantity < 0:
            raise InvalidStockError(f"{sku}: on-hand cannot be negative ({quantity})")
        level = self._level(self.product(sku), self.warehouse(warehouse_code))
        return self._move(level, quantity - level.on_hand, reason)

    def adjust_on_hand(self, sku: str, warehouse_code: str, delta: int, reason: str) -> int:
        """Add (or remove) units; returns the new on-hand."""
        level = self._level(self.product(sku), self.warehouse(warehouse_code))
        if level.on_hand + delta < 0:
            raise InvalidStockError(f"{sku}: only {level.on_hand} on hand, cannot remove {-delta}")
        self._move(level, delta, reason)
        return level.on_hand

    def reserve(self, connection_id: int, order_reference: str, sku: str, quantity: int) -> None:
        """Hold units for an open order (idempotent per order and SKU: the last quantity wins)."""
        if quantity < 0:
            raise InvalidStockError(f"{sku}: a reservation cannot be negative ({quantity})")
        product = self.product(sku)
        row = self.session.scalar(
            select(Reservation).where(
                Reservation.connection_id == connection_id,
                Reservation.order_reference == order_reference,
                Reservation.product_id == product.id,
            )
        )
        if row is None:
            row = Reservation(
                connection_id=connection_id,
                order_reference=order_reference,
                product_id=product.id,
                created_at=self.clock.now(),
            )
            self.session.add(row)
        row.quantity = quantity
        self.session.flush()
        self._publish(product)

    def release(self, connection_id: int, order_reference: str) -> None:
        """Drop an order's reservations (cancelled, or shipped: then remove the units too)."""
        rows = self.session.scalars(
            select(Reservation).where(
                Reservation.connection_id == connection_id,
                Reservation.order_reference == order_reference,
            )
        ).all()
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        for product_id in sorted({row.product_id for row in rows}):
            self._publish(self.session.get_one(Product, product_id))

    def set_buffer(self, connection_id: int, quantity: int, sku: str | None = None) -> None:
        """Keep units back from a connection: for every product, or for one SKU."""
        if quantity < 0:
            raise InvalidStockError(f"a buffer cannot be negative ({quantity})")
        product_id = EVERY_PRODUCT if sku is None else self.product(sku).id
        row = self.session.get(StockBuffer, (connection_id, product_id))
        if row is None:
            row = StockBuffer(connection_id=connection_id, product_id=product_id)
            self.session.add(row)
        row.quantity = quantity
        self.session.flush()
        if sku is None:
            self._publish_managed(connection_id)
        else:
            self._publish(self.product(sku), only=connection_id)

    def clear_buffer(self, connection_id: int, sku: str | None = None) -> None:
        """Remove a buffer: the product's own (it falls back to the connection's), or the
        connection's (products without their own keep nothing back)."""
        product_id = EVERY_PRODUCT if sku is None else self.product(sku).id
        row = self.session.get(StockBuffer, (connection_id, product_id))
        if row is None:
            return
        self.session.delete(row)
        self.session.flush()
        if sku is None:
            self._publish_managed(connection_id)
        else:
            self._publish(self.product(sku), only=connection_id)

    def map_warehouse(
        self, warehouse_code: str, connection_id: int, *, priority: int | None = None
    ) -> None:
        """Let a connection sell the stock of a warehouse.

        ``priority`` orders the warehouses its shipments take units from (lowest first; ties
        by code); None keeps the mapping's priority (0 for a new one). Changing only the priority
        of a mapping changes no quantity, so nothing is pushed again.
        """
        if priority is not None and priority < 0:
            raise InvalidStockError(
                f"a warehouse's shipment priority cannot be negative ({priority})"
            )
        warehouse = self.warehouse(warehouse_code)
        mapping = self.session.get(WarehouseConnection, (warehouse.id, connection_id))
        if mapping is not None:
            if priority is not None:
                mapping.priority = priority
                self.session.flush()
            return
        self.session.add(
            WarehouseConnection(
                warehouse_id=warehouse.id, connection_id=connection_id, priority=priority or 0
            )
        )
        self.session.flush()
        self._publish_managed(connection_id)

    def unmap_warehouse(self, warehouse_code: str, connection_id: int) -> None:
        """Stop a connection selling the stock of a warehouse."""
        warehouse = self.warehouse(warehouse_code)
        row = self.session.get(WarehouseConnection, (warehouse.id, connection_id))
        if row is None:
            return
        self.session.delete(row)
        self.session.flush()
        self._publish_managed(connection_id)

    def available(
        self, connection_id: int, product: Product, *, excluding: OrderKey | None = None
    ) -> int:
        """The product's available-to-sell on ``connection_id`` (one query).

        ``excluding`` (connection id, order reference): as if that order held nothing, to ask
        whether stock covers an order that already reserves its own units.
        """
        on_hand = (
            select(func.coalesce(func.sum(_positive(StockLevel.on_hand)), 0))
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
        row = self.session.execute(select(on_hand, reserved, func.coalesce(buffer, 0))).one()
        return available_to_sell([int(row[0])], int(row[1]), int(row[2]))

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

    def hold(self, connection_id: int, order_reference: str, wanted: Mapping[str, int]) -> None:
        """Make an order's reservations exactly ``wanted`` (SKU → units; 0 or absent: none).

        SKUs unknown to the catalog hold nothing. Only what changed is published, and only for
        products with stock entered: an order never zeroes an offer cdlink does not manage.
        """
        rows = {
            row.product_id: row
            for row in self.session.scalars(
                select(Reservation).where(
                    Reservation.connection_id == connection_id,
                    Reservation.order_reference == order_reference,
                )
            )
        }
        skus = [sku for sku, units in wanted.items() if units > 0]
        products = (
            {
                product.id: product
                for product in self.session.scalars(select(Product).where(Product.sku.in_(skus)))
            }
            if skus
            else {}
        )
        quantities = {product.id: wanted[product.sku] for product in products.values()}
        changed: set[int] = set()
        for product_id, stale in rows.items():
            if quantities.get(product_id, 0) <= 0:
                self.session.delete(stale)
                changed.add(product_id)
        for product_id, quantity in quantities.items():
            row = rows.get(product_id)
            if row is None:
                self.session.add(
                    Reservation(
                        connection_id=connection_id,
                        order_reference=order_reference,
                        product_id=product_id,
                        quantity=quantity,
                        created_at=self.clock.now(),
                    )
                )
                changed.add(product_id)
            elif row.quantity != quantity:
                row.quantity = quantity
                changed.add(product_id)
        if not changed:
            return
        self.session.flush()
        for product_id in sorted(changed):
            product = products.get(product_id) or self.session.get_one(Product, product_id)
            if is_managed(self.session, product):
                self._publish(product)

    def take(
        self, connection_id: int, sku: str, quantity: int, reason: str, note: str | None = None
    ) -> int:
        """Remove shipped units from the connection's warehouses; returns the units missing.

        The warehouses mapped to the connection are tried by priority (lowest first, then by
        code): the first holding every unit gives them all; if none does, units are taken in
        that order, each warehouse down to zero. On-hand never goes negative: what the mapped
        warehouses lack is returned (and journaled nowhere). An unknown SKU misses everything.
        """
        product = self.session.scalar(select(Product).where(Product.sku == sku))
        if product is None or quantity <= 0:
            return max(quantity, 0)
        levels = list(
            self.session.scalars(
                select(StockLevel)
                .join(
                    WarehouseConnection,
                    WarehouseConnection.warehouse_id == StockLevel.warehouse_id,
                )
                .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
                .where(
                    StockLevel.product_id == product.id,
                    WarehouseConnection.connection_id == connection_id,
                )
                .order_by(WarehouseConnection.priority, Warehouse.code)
            )
        )
        whole = next((level for level in levels if level.on_hand >= quantity), None)
        if whole is not None:
            self._move(whole, -quantity, reason, note)
            return 0
        missing = quantity
        for level in levels:
            if missing == 0:
                break
            taken = min(missing, max(level.on_hand, 0))
            if taken > 0:
                self._move(level, -taken, reason, note)
                missing -= taken
        return missing

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

    def _level(self, product: Product, warehouse: Warehouse) -> StockLevel:
        level = self._levels.get((product.id, warehouse.id))
        if level is None:
            # Locked until the transaction ends (PostgreSQL; SQLite writes one at a time), so
            # two concurrent adjustments of one level cannot both start from the same count.
            level = self.session.get(StockLevel, (product.id, warehouse.id), with_for_update=True)
        if level is None:
            level = StockLevel(
                product_id=product.id,
                warehouse_id=warehouse.id,
                on_hand=0,
                updated_at=self.clock.now(),
            )
            self.session.add(level)
        self._levels[(product.id, warehouse.id)] = level
        return level

    def _move(self, level: StockLevel, delta: int, reason: str, note: str | None = None) -> int:
        now = self.clock.now()
        level.on_hand += delta
        level.updated_at = now
        self.session.add(
            StockMovement(
                product_id=level.product_id,
                warehouse_id=level.warehouse_id,
                delta=delta,
                on_hand_after=level.on_hand,
                reason=reason,
                note=note,
                created_at=now,
            )
        )
        self.session.flush()
        self._publish(self.session.get_one(Product, level.product_id))
        return delta

    def _publish(self, product: Product, only: int | None = None) -> None:
        """Hand the new available-to-sell to every stock-synced connection (or just ``only``)."""
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

    def _publish_managed(self, connection_id: int) -> None:
        """Publish every managed product to one connection, availability read in bulk."""
        if connection_id not in self._synced_connections():
            return
        now = self.clock.now()
        figures = StockFigures.load(self.session, self._managed_products())
        for product in figures.products:
            quantity = figures.available(connection_id, product.id)
            self.publish(self.session, connection_id, product.sku, quantity, now)

    def _synced_connections(self) -> list[int]:
        """Connections with stock sync on (read once per Inventory, i.e. per transaction)."""
        if self._synced is None:
            query = select(Connection.id).where(
                Connection.stock_sync_enabled.is_(True), Connection.state != "deleted"
            )
            self._synced = list(self.session.scalars(query.order_by(Connection.id)))
        return self._synced


def _positive(column: Any) -> Any:
    """A negative on-hand counts as zero (see ``available_to_sell``)."""
    return case((column > 0, column), else_=0)


def add_product(
    session: Session,
    clock: Clock,
    sku: str,
    *,
    ean: str | None = None,
    title: str = "",
    price: Decimal | None = None,
) -> Product:
    """Create a catalog product, or return the one with that SKU (filling in what it lacks)."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        now = clock.now()
        product = Product(
            sku=sku, ean=ean, title=title, price=price, created_at=now, updated_at=now
        )
        session.add(product)
        session.flush()
    else:
        product.ean = product.ean or ean
        product.price = product.price if product.price is not None else price
    return product


def is_managed(session: Session, product: Product) -> bool:
    """Whether the seller has entered stock for the product in at least one warehouse."""
    query = select(StockLevel.product_id).where(StockLevel.product_id == product.id).limit(1)
    return session.scalar(query) is not None


def add_warehouse(session: Session, clock: Clock, code: str, name: str) -> Warehouse:
    """Create a warehouse, or return the one with that code."""
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        warehouse = Warehouse(code=code, name=name, created_at=clock.now())
        session.add(warehouse)
        session.flush()
    return warehouse
