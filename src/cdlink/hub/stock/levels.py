"""Stock levels and reservations: units on hand per warehouse, and units held by open orders.

Every change journals a movement (``StockMovement``) and publishes the new available-to-sell in
the same transaction (``InventoryCore._publish``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from cdlink.hub.stock.inventory_core import (
    InvalidStockError,
    InventoryCore,
    check_quantity,
)
from cdlink.store.models import (
    Product,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseConnection,
)


class StockLevels(InventoryCore):
    """Writes of on-hand units and reservations."""

    def set_on_hand(self, sku: str, warehouse_code: str, quantity: int, reason: str) -> int:
        """Set the units on hand (a count); returns the change journaled."""
        check_quantity(quantity, f"{sku}: on-hand")
        level = self._level(self.product(sku), self.warehouse(warehouse_code))
        return self._move(level, quantity - level.on_hand, reason)

    def adjust_on_hand(self, sku: str, warehouse_code: str, delta: int, reason: str) -> int:
        """Add (or remove) units; returns the new on-hand."""
        level = self._level(self.product(sku), self.warehouse(warehouse_code))
        if level.on_hand + delta < 0:
            raise InvalidStockError(f"{sku}: only {level.on_hand} on hand, cannot remove {-delta}")
        check_quantity(level.on_hand + delta, f"{sku}: on-hand")
        self._move(level, delta, reason)
        return level.on_hand

    def reserve(self, connection_id: int, order_reference: str, sku: str, quantity: int) -> None:
        """Hold units for an open order (idempotent per order and SKU: the last quantity wins)."""
        if quantity < 0:  # what an order holds comes from the marketplace: never capped
            raise InvalidStockError(f"{sku}: a reservation cannot be negative ({quantity})")
        self._held.pop((connection_id, order_reference), None)
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
        self._held.pop((connection_id, order_reference), None)
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

    def hold(self, connection_id: int, order_reference: str, wanted: Mapping[str, int]) -> None:
        """Make an order's reservations exactly ``wanted`` (SKU → units; 0 or absent: none).

        SKUs unknown to the catalog hold nothing. Only what changed is published, and only for
        products with stock entered: an order never zeroes an offer cdlink does not manage.
        """
        key = (connection_id, order_reference)
        rows = self._held.get(key)
        if rows is None:
            rows = {
                row.product_id: row
                for row in self.session.scalars(
                    select(Reservation).where(
                        Reservation.connection_id == connection_id,
                        Reservation.order_reference == order_reference,
                    )
                )
            }
        products = self._products_of([sku for sku, units in wanted.items() if units > 0])
        quantities = {product.id: wanted[product.sku] for product in products.values()}
        changed: set[int] = set()
        kept: dict[int, Reservation] = {}
        for product_id, stale in rows.items():
            if quantities.get(product_id, 0) <= 0:
                self.session.delete(stale)
                changed.add(product_id)
            else:
                kept[product_id] = stale
        for product_id, quantity in quantities.items():
            row = kept.get(product_id)
            if row is None:
                kept[product_id] = row = Reservation(
                    connection_id=connection_id,
                    order_reference=order_reference,
                    product_id=product_id,
                    quantity=quantity,
                    created_at=self.clock.now(),
                )
                self.session.add(row)
                changed.add(product_id)
            elif row.quantity != quantity:
                row.quantity = quantity
                changed.add(product_id)
        self._held[key] = kept
        if not changed:
            return
        if self._deferred is None:
            self.session.flush()  # published now: the reads of available must see these rows
        for product_id in sorted(changed):
            product = products.get(product_id) or self.session.get_one(Product, product_id)
            if self._managed_product(product):
                self._publish(product)

    def _products_of(self, skus: list[str]) -> dict[int, Product]:
        """The catalog's products of ``skus`` by id (unknown SKUs left out), read once."""
        missing = [sku for sku in skus if sku not in self._products and sku not in self._absent]
        if missing:
            query = select(Product).where(Product.sku.in_(missing))
            self._products.update((product.sku, product) for product in self.session.scalars(query))
        found = (self._products.get(sku) for sku in skus)
        return {product.id: product for product in found if product is not None}

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
