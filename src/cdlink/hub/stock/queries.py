"""Reading stock for the Stock page and the REST API: one row per SKU, paged in SQL.

A page is the products matching the filter, ordered by SKU, counted and cut in SQL; then the
figures of that page only are read in a fixed number of queries (levels, reservations, buffers,
mappings, push status, the quantities Cdiscount showed, pushes waiting), never one query per SKU,
so a catalog of 100,000 SKUs lists as fast as one of ten.

Per connection, a row says what Cdiscount holds and whether it is in step:

- *Cdiscount quantity*: the newer of the last confirmed push and the last offer import.
- *state*: ``in_step`` (Cdiscount shows available-to-sell), ``sending`` (it differs, and a push
  has been waiting less than ``STALE_AFTER``), ``stale`` (it differs for longer, or nothing is
  on its way), ``failed`` (the last push was refused: the reason is shown), ``unknown`` (neither
  a push nor an offer import has told us yet), ``unmanaged`` (no stock was ever entered for the
  product: cdlink leaves Cdiscount's quantity alone, see ``is_managed``), or ``off`` (stock sync
  is off for the connection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from cdlink.hub.stock.figures import StockFigures, chunks
from cdlink.hub.stock.inventory import UnknownProductError
from cdlink.store import search
from cdlink.store.models import (
    Binding,
    Connection,
    MarketplaceQuantity,
    OutboxEntry,
    Product,
    StockBuffer,
    StockLevel,
    StockPushStatus,
    Warehouse,
)

MAXIMUM_PAGE_SIZE = 200
STALE_AFTER = timedelta(minutes=5)
STOCK_STREAM = "stock"
OFFER_KIND = "offer"
WAITING = ("pending", "claimed")
IN_STEP, SENDING, STALE, FAILED, UNKNOWN, UNMANAGED, OFF = (
    "in_step",
    "sending",
    "stale",
    "failed",
    "unknown",
    "unmanaged",
    "off",
)


@dataclass(frozen=True)
class StockFilter:
    """What the stock list shows; None or empty means "any"."""

    text: str | None = None
    sku: str | None = None
    warehouse: str | None = None
    connection_id: int | None = None
    #: Only SKUs whose last push to some connection was refused.
    failed_only: bool = False
    #: Only SKUs whose product or a stock level changed at or after this moment.
    updated_since: datetime | None = None

    def apply(self, session: Session, query: Select[Any]) -> Select[Any]:
        found = search.matching(session, search.PRODUCTS, self.text)
        if found is not None:
            query = query.where(found)
        if self.sku:
            query = query.where(Product.sku == self.sku)
        # IN (subquery) rather than a correlated EXISTS: evaluated once, whatever the catalog's
        # size (SQLite would otherwise scan the subquery's table once per product).
        if self.warehouse:
            stocked = (
                select(StockLevel.product_id)
                .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
                .where(Warehouse.code == self.warehouse)
            )
            query = query.where(Product.id.in_(stocked))
        if self.connection_id is not None:
            query = query.where(on_connection(self.connection_id))
        if self.failed_only:
            refused = select(StockPushStatus.sku).where(StockPushStatus.outcome == "refused")
            query = query.where(Product.sku.in_(refused))
        if self.updated_since is not None:
            counted = select(StockLevel.product_id).where(
                StockLevel.updated_at >= self.updated_since
            )
            query = query.where(
                or_(Product.updated_at >= self.updated_since, Product.id.in_(counted))
            )
        return query


def on_connection(connection_id: int) -> ColumnElement[bool]:
    """Products offered on (bound to an offer of) or pushed to a connection."""
    bound = exists().where(
        Binding.connection_id == connection_id,
        Binding.kind == OFFER_KIND,
        Binding.local_id == cast(Product.id, String),
    )
    pushed = exists().where(
        StockPushStatus.connection_id == connection_id, StockPushStatus.sku == Product.sku
    )
    return or_(bound, pushed)


@dataclass(frozen=True)
class ConnectionStock:
    """One SKU on one connection: what may be sold, what Cdiscount holds, how the push went."""

    connection_id: int
    connection_name: str
    stock_sync_enabled: bool
    buffer: int
    own_buffer: bool
    available: int
    cdiscount_quantity: int | None
    cdiscount_seen_at: datetime | None
    pushed_quantity: int | None
    pushed_at: datetime | None
    push_outcome: str | None
    push_reason: str | None
    waiting_since: datetime | None
    state: str


@dataclass(frozen=True)
class StockRow:
    product_id: int
    sku: str
    title: str
    ean: str | None
    #: warehouse code → units on hand (only warehouses where stock was entered)
    on_hand: dict[str, int]
    total_on_hand: int
    reserved: int
    connections: list[ConnectionStock]


@dataclass(frozen=True)
class StockPage:
    rows: list[StockRow]
    total: int
    page: int
    page_size: int
    warehouses: list[Warehouse]
    connections: list[Connection]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_stock(
    session: Session,
    stock_filter: StockFilter,
    now: datetime,
    *,
    page: int = 1,
    page_size: int = 50,
) -> StockPage:
    """One page of SKUs matching ``stock_filter``, ordered by SKU."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAXIMUM_PAGE_SIZE)
    matching = stock_filter.apply(session, select(Product))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    query = matching.order_by(Product.sku).offset((page - 1) * page_size).limit(page_size)
    products: list[Product] = list(session.scalars(query))
    connections = stock_connections(session, stock_filter.connection_id)
    rows = StockReader(session, connections, now).rows(products)
    return StockPage(rows, int(total), page, page_size, all_warehouses(session), connections)


def get_stock(session: Session, sku: str, now: datetime) -> StockRow:
    """The stock of one SKU; raises ``UnknownProductError``."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise UnknownProductError(f"unknown SKU {sku!r}")
    return StockReader(session, stock_connections(session, None), now).rows([product])[0]


def stock_connections(session: Session, only: int | None = None) -> list[Connection]:
    query = select(Connection).where(Connection.state != "deleted").order_by(Connection.id)
    if only is not None:
        query = query.where(Connection.id == only)
    return list(session.scalars(query))


def all_warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).order_by(Warehouse.code)))


class StockReader:
    """The rows of a list of products, read in a fixed number of queries."""

    def __init__(self, session: Session, connections: list[Connection], now: datetime) -> None:
        self.session = session
        self.connections = connections
        self.now = now

    def rows(self, products: list[Product]) -> list[StockRow]:
        figures = StockFigures.load(self.session, products)
        codes = {warehouse.id: warehouse.code for warehouse in all_warehouses(self.session)}
        skus = [product.sku for product in products]
        pushes = self._pushes(skus)
        shown = self._shown(skus)
        waiting = self._waiting(skus)
        return [
            StockRow(
                product_id=product.id,
                sku=product.sku,
                title=product.title,
                ean=product.ean,
                on_hand={
                    codes[warehouse]: units
                    for warehouse, units in sorted(
                        figures.on_hand.get(product.id, {}).items(), key=lambda item: codes[item[0]]
                    )
                },
                total_on_hand=figures.total_on_hand(product.id),
                reserved=figures.reserved.get(product.id, 0),
                connections=[
                    self._on_connection(
                        connection,
                        product,
                        figures,
                        pushes.get((connection.id, product.sku)),
                        shown.get((connection.id, product.sku)),
                        waiting.get((connection.id, product.sku)),
                    )
                    for connection in self.connections
                ],
            )
            for product in products
        ]

    def _on_connection(  # noqa: PLR0917  (the figures of one cell)
        self,
        connection: Connection,
        product: Product,
        figures: StockFigures,
        push: StockPushStatus | None,
        shown: MarketplaceQuantity | None,
        waiting_since: datetime | None,
    ) -> ConnectionStock:
        available = figures.available(connection.id, product.id)
        quantity, seen_at = _cdiscount_quantity(push, shown)
        return ConnectionStock(
            connection_id=connection.id,
            connection_name=connection.name,
            stock_sync_enabled=connection.stock_sync_enabled,
            buffer=figures.buffer(connection.id, product.id),
            own_buffer=figures.has_own_buffer(connection.id, product.id),
            available=available,
            cdiscount_quantity=quantity,
            cdiscount_seen_at=seen_at,
            pushed_quantity=push.quantity if push else None,
            pushed_at=push.pushed_at if push else None,
            push_outcome=push.outcome if push else None,
            push_reason=push.reason if push else None,
            waiting_since=waiting_since,
            state=self._state(
                connection,
                available,
                quantity,
                push,
                waiting_since,
                managed=product.id in figures.on_hand,
            ),
        )

    def _state(
        self,
        connection: Connection,
        available: int,
        quantity: int | None,
        push: StockPushStatus | None,
        waiting_since: datetime | None,
        *,
        managed: bool,
    ) -> str:
        if not connection.stock_sync_enabled:
            return OFF
        if not managed:
            return UNMANAGED
        if push is not None and push.outcome == "refused":
            return FAILED
        if quantity == available:
            return IN_STEP
        return self._drift(quantity, waiting_since)

    def _drift(self, quantity: int | None, waiting_since: datetime | None) -> str:
        """Cdiscount does not show available-to-sell: on its way, late, or never told."""
        if waiting_since is not None and self.now - waiting_since < STALE_AFTER:
            return SENDING
        if quantity is None and waiting_since is None:
            return UNKNOWN
        return STALE

    def _pushes(self, skus: list[str]) -> dict[tuple[int, str], StockPushStatus]:
        found: dict[tuple[int, str], StockPushStatus] = {}
        for part in chunks(skus):
            query = select(StockPushStatus).where(StockPushStatus.sku.in_(part))
            found.update(((row.connection_id, row.sku), row) for row in self.session.scalars(query))
        return found

    def _shown(self, skus: list[str]) -> dict[tuple[int, str], MarketplaceQuantity]:
        found: dict[tuple[int, str], MarketplaceQuantity] = {}
        for part in chunks(skus):
            query = select(MarketplaceQuantity).where(MarketplaceQuantity.sku.in_(part))
            found.update(((row.connection_id, row.sku), row) for row in self.session.scalars(query))
        return found

    def _waiting(self, skus: list[str]) -> dict[tuple[int, str], datetime]:
        """Since when a push of each (connection, SKU) has been waiting in the outbox."""
        found: dict[tuple[int, str], datetime] = {}
        for part in chunks(skus):
            query = (
                select(OutboxEntry.connection_id, OutboxEntry.key, func.min(OutboxEntry.created_at))
                .where(
                    # The leading columns of the outbox's pending index: done entries pile up.
                    OutboxEntry.connection_id.in_([item.id for item in self.connections]),
                    OutboxEntry.stream == STOCK_STREAM,
                    OutboxEntry.state.in_(WAITING),
                    OutboxEntry.key.in_(part),
                )
                .group_by(OutboxEntry.connection_id, OutboxEntry.key)
            )
            found.update(((cid, key), since) for cid, key, since in self.session.execute(query))
        return found


def _cdiscount_quantity(
    push: StockPushStatus | None, shown: MarketplaceQuantity | None
) -> tuple[int | None, datetime | None]:
    """The newer of the last confirmed push and the last quantity read from the offers."""
    confirmed = (
        (push.confirmed_quantity, push.confirmed_at)
        if push is not None and push.confirmed_at is not None
        else None
    )
    read = (shown.quantity, shown.read_at) if shown is not None else None
    if read is None:
        return confirmed or (None, None)
    if confirmed is None or read[1] > confirmed[1]:
        return read
    return confirmed


@dataclass(frozen=True)
class BufferSummary:
    """Units kept back from a connection: for every product (``sku`` None) or for one SKU."""

    connection_id: int
    sku: str | None
    quantity: int


def list_buffers(session: Session, connection_id: int | None = None) -> list[BufferSummary]:
    """Every buffer, the connection-wide ones first, then per SKU."""
    query = (
        select(StockBuffer.connection_id, Product.sku, StockBuffer.quantity)
        .join(Product, Product.id == StockBuffer.product_id, isouter=True)
        .order_by(StockBuffer.connection_id, StockBuffer.product_id != 0, Product.sku)
    )
    if connection_id is not None:
        query = query.where(StockBuffer.connection_id == connection_id)
    return [
        BufferSummary(connection, sku, quantity)
        for connection, sku, quantity in session.execute(query)
    ]
