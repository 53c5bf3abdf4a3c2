"""The stock figures of many products at once: on-hand per warehouse, reserved, buffers, mappings.

Reading them product by product costs several queries each; this reads them for a whole list
(a page of the Stock page, every managed product when a warehouse is mapped) in a handful of
queries, and computes available-to-sell per connection with the same pure function as the hub.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.hub.stock.availability import available_to_sell
from cdlink.store.models import (
    EVERY_PRODUCT,
    Product,
    Reservation,
    StockBuffer,
    StockLevel,
    WarehouseConnection,
)

T = TypeVar("T")
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices small enough for an ``IN (…)`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class StockFigures:
    """What available-to-sell is made of, for ``products``."""

    products: list[Product]
    #: product id → warehouse id → units on hand
    on_hand: dict[int, dict[int, int]] = field(default_factory=dict)
    #: product id → units held by open orders (of every connection)
    reserved: dict[int, int] = field(default_factory=dict)
    #: (connection id, product id or 0 for every product) → units kept back
    buffers: dict[tuple[int, int], int] = field(default_factory=dict)
    #: connection id → the warehouses whose stock it sells
    mapped: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, products: Sequence[Product]) -> StockFigures:
        figures = cls(list(products))
        ids = [product.id for product in products]
        on_hand: dict[int, dict[int, int]] = defaultdict(dict)
        for part in chunks(ids):
            levels = select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.on_hand)
            for product_id, warehouse_id, units in session.execute(
                levels.where(StockLevel.product_id.in_(part))
            ):
                on_hand[product_id][warehouse_id] = units
            reserved = (
                select(Reservation.product_id, func.sum(Reservation.quantity))
                .where(Reservation.product_id.in_(part))
                .group_by(Reservation.product_id)
            )
            figures.reserved.update((pid, int(units)) for pid, units in session.execute(reserved))
            buffers = select(StockBuffer).where(StockBuffer.product_id.in_([*part, EVERY_PRODUCT]))
            figures.buffers.update(
                ((row.connection_id, row.product_id), row.quantity)
                for row in session.scalars(buffers)
            )
        if not ids:
            every = select(StockBuffer).where(StockBuffer.product_id == EVERY_PRODUCT)
            figures.buffers.update(
                ((row.connection_id, row.product_id), row.quantity)
                for row in session.scalars(every)
            )
        figures.on_hand = dict(on_hand)
        mapped: dict[int, set[int]] = defaultdict(set)
        for row in session.scalars(select(WarehouseConnection)):
            mapped[row.connection_id].add(row.warehouse_id)
        figures.mapped = dict(mapped)
        return figures

    def buffer(self, connection_id: int, product_id: int) -> int:
        """The product's own buffer on the connection if set, else the connection's, else 0."""
        own = self.buffers.get((connection_id, product_id))
        if own is not None:
            return own
        return self.buffers.get((connection_id, EVERY_PRODUCT), 0)

    def has_own_buffer(self, connection_id: int, product_id: int) -> bool:
        return (connection_id, product_id) in self.buffers

    def total_on_hand(self, product_id: int) -> int:
        return sum(self.on_hand.get(product_id, {}).values())

    def available(self, connection_id: int, product_id: int) -> int:
        warehouses = self.mapped.get(connection_id, set())
        levels = self.on_hand.get(product_id, {})
        return available_to_sell(
            [units for warehouse, units in levels.items() if warehouse in warehouses],
            self.reserved.get(product_id, 0),
            self.buffer(connection_id, product_id),
        )
