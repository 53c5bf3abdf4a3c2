"""Buffers and warehouse mappings: what a connection keeps back, and whose stock it sells.

A change republishes every managed product to the connection it concerns, availability read in
bulk (``InventoryCore._publish_managed``); changing only a mapping's priority pushes nothing.
"""

from __future__ import annotations

from cdlink.hub.stock.inventory_core import InvalidStockError, InventoryCore, check_quantity
from cdlink.store.models import EVERY_PRODUCT, StockBuffer, WarehouseConnection

#: The largest shipment priority of a warehouse (lowest first): plenty for any ordering.
MAXIMUM_PRIORITY = 1_000_000


class WarehouseMapping(InventoryCore):
    """Writes of buffers and of the warehouses a connection sells from."""

    def set_buffer(self, connection_id: int, quantity: int, sku: str | None = None) -> None:
        """Keep units back from a connection: for every product, or for one SKU."""
        check_quantity(quantity, "a buffer")
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
        if priority is not None and not 0 <= priority <= MAXIMUM_PRIORITY:
            raise InvalidStockError(
                f"a warehouse's shipment priority must be from 0 to {MAXIMUM_PRIORITY:,} "
                f"({priority})"
            )
        warehouse = self.warehouse(warehouse_code)
        mapping = self.session.get(WarehouseConnection, (warehouse.id, connection_id))
        if mapping is not None:
            if priority is not None and priority != mapping.priority:
                mapping.priority = priority
                warehouse.updated_at = self.clock.now()
                self.session.flush()
            return
        warehouse.updated_at = self.clock.now()
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
        warehouse.updated_at = self.clock.now()
        self.session.flush()
        self._publish_managed(connection_id)
