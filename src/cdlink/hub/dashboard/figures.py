"""The dashboard's figures: the shop's health at a glance, each figure an aggregate in SQL.

Every figure is computed by the database over indexed columns (see migration 0006), so the page
answers in milliseconds with a million orders: sales since a moment use ``ix_orders_purchased``,
orders awaiting acceptance ``ix_orders_status_acceptance`` and orders to ship
``ix_orders_status_shipping``. Amounts are summed in cents so SQLite (which keeps numerics as
floating point) gives the same exact Decimal as PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from cdlink.hub.stock.availability import available_to_sell_sql, on_hand_total
from cdlink.store.models import (
    EVERY_PRODUCT,
    Connection,
    Order,
    OutboxEntry,
    Product,
    QuarantinedRecord,
    Reservation,
    StockBuffer,
    StockLevel,
    StockPushStatus,
    StreamSchedule,
    SyncRun,
    WarehouseConnection,
)
from cdlink.store.models.sync import OPEN_STATES_SQL

WAITING_ACCEPTANCE = "WaitingAcceptance"
TO_SHIP = ("Accepted", "InPreparation")
# Orders that will not be paid: left out of the sales figures.
NOT_SOLD = ("Refused", "Cancelled")
DUE_SOON = timedelta(hours=12)
# A stock change still waiting to reach Cdiscount after this long is "stale".
STALE_PUSH = timedelta(minutes=15)
# How many out-of-stock SKUs the dashboard names (the count covers them all).
NAMED_SKUS = 10
ORDERS_STREAM = "orders"
STOCK_STREAM = "stock"


@dataclass(frozen=True)
class Sales:
    """Orders bought in a period and what they sold for per currency (refused and cancelled
    orders are counted but bring no revenue)."""

    since: datetime
    orders: int
    revenue: dict[str, Decimal]


@dataclass(frozen=True)
class Deadlines:
    """Orders waiting for a seller's action, and how their deadlines stand."""

    orders: int
    late: int
    due_soon: int
    nearest: datetime | None


@dataclass(frozen=True)
class StockAlerts:
    """SKUs nobody can buy on a stock-synced connection, and pushes that did not get through."""

    out_of_stock: int
    out_of_stock_skus: tuple[str, ...]
    refused_pushes: int
    failed_pushes: int
    stale_pushes: int


@dataclass(frozen=True)
class ConnectionHealth:
    """How the sync of one connection is doing."""

    id: int
    name: str
    state: str
    state_reason: str | None
    last_orders_import: datetime | None
    failing_streams: int
    dead_streams: int
    last_error: str | None
    quarantined: int

    @property
    def healthy(self) -> bool:
        return self.state == "active" and self.failing_streams == 0 and self.dead_streams == 0


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard, as of ``now``."""

    now: datetime
    connections: int
    # Midnight today and six days before, in the seller's time zone (the sales of those
    # periods are the overview's: ``sales_since`` gives them when asked).
    today_start: datetime
    week_start: datetime
    acceptance: Deadlines
    shipping: Deadlines
    quarantined: int
    stock: StockAlerts
    health: tuple[ConnectionHealth, ...]


def start_of_day(now: datetime, zone: ZoneInfo, days_back: int = 0) -> datetime:
    """Midnight in the seller's time zone, ``days_back`` days before today, as an aware time."""
    local = now.astimezone(zone).date() - timedelta(days=days_back)
    return datetime.combine(local, time(), tzinfo=zone)


def build_dashboard(session: Session, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Every figure of the dashboard at ``now``; "today" starts at midnight in ``zone``."""
    health = connection_health(session)
    acceptance, shipping = both_deadlines(session, now)
    return Dashboard(
        now=now,
        connections=len(health),
        today_start=start_of_day(now, zone),
        week_start=start_of_day(now, zone, days_back=6),
        acceptance=acceptance,
        shipping=shipping,
        quarantined=sum(item.quarantined for item in health),
        stock=stock_alerts(session, now),
        health=health,
    )


def sales_since(session: Session, since: datetime) -> Sales:
    """Orders bought since ``since`` (all of them, as the orders list shows), and the revenue of
    those not refused nor cancelled, per currency.
    """
    sold = case((Order.status.not_in(NOT_SOLD), func.round(Order.total_amount * 100)), else_=0)
    rows = session.execute(
        select(Order.currency, func.count(), func.sum(sold))
        .where(Order.purchased_at >= since)
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    revenue = {
        currency: (Decimal(int(total or 0)) / 100).quantize(Decimal("0.01"))
        for currency, _, total in rows
    }
    return Sales(since, sum(int(count) for _, count, _ in rows), revenue)


def deadlines(
    session: Session,
    statuses: tuple[str, ...],
    column: InstrumentedAttribute[datetime | None],
    now: datetime,
) -> Deadlines:
    """Orders in ``statuses``: how many, how many past ``column``, due within 12 h, the nearest."""
    late = func.sum(case((column < now, 1), else_=0))
    soon = func.sum(case((and_(column >= now, column < now + DUE_SOON), 1), else_=0))
    orders, late_count, soon_count, nearest = session.execute(
        select(func.count(), late, soon, func.min(column)).where(Order.status.in_(statuses))
    ).one()
    # min() keeps the column's type: an aware UTC datetime on both databases.
    return Deadlines(int(orders), int(late_count or 0), int(soon_count or 0), nearest)


def both_deadlines(session: Session, now: datetime) -> tuple[Deadlines, Deadlines]:
    """``deadlines`` of the orders awaiting acceptance and of those to ship, in one statement."""
    columns: list[Any] = []
    for statuses, column in (
        ((WAITING_ACCEPTANCE,), Order.acceptance_deadline),
        (TO_SHIP, Order.shipping_deadline),
    ):
        mine = Order.status.in_(statuses)
        columns += [
            func.sum(case((mine, 1), else_=0)),
            func.sum(case((and_(mine, column < now), 1), else_=0)),
            func.sum(case((and_(mine, column >= now, column < now + DUE_SOON), 1), else_=0)),
            func.min(case((mine, column))),
        ]
    row = session.execute(
        select(*columns).where(Order.status.in_((WAITING_ACCEPTANCE, *TO_SHIP)))
    ).one()
    acceptance, shipping = (
        Deadlines(int(row[i] or 0), int(row[i + 1] or 0), int(row[i + 2] or 0), row[i + 3])
        for i in (0, 4)
    )
    return acceptance, shipping


def stock_alerts(session: Session, now: datetime) -> StockAlerts:
    """SKUs whose available-to-sell is 0 on a stock-synced connection, in one query.

    Available-to-sell is ``cdlink.hub.stock.availability.available_to_sell_sql``: Σ max(0, on
    hand) over the connection's warehouses, less every open reservation, less the buffer (the
    product's own on the connection if set, else the connection's), never below zero. Only
    products with stock entered somewhere count, as for the stock pusher.
    """
    synced = (
        select(Connection.id.label("connection_id"))
        .where(Connection.stock_sync_enabled.is_(True), Connection.state != "deleted")
        .subquery()
    )
    managed = select(StockLevel.product_id).distinct().subquery()
    on_hand = (
        select(
            WarehouseConnection.connection_id,
            StockLevel.product_id,
            on_hand_total(StockLevel.on_hand).label("units"),
        )
        .join(WarehouseConnection, WarehouseConnection.warehouse_id == StockLevel.warehouse_id)
        .group_by(WarehouseConnection.connection_id, StockLevel.product_id)
        .subquery()
    )
    reserved = (
        select(
            Reservation.product_id,
            func.sum(Reservation.quantity).label("q"),
        )
        .group_by(Reservation.product_id)
        .subquery()
    )
    own = select(StockBuffer).subquery("own")
    default = select(StockBuffer).subquery("default_buffer")
    units = func.coalesce(on_hand.c.units, 0)
    buffer = func.coalesce(own.c.quantity, default.c.quantity, 0)
    available = available_to_sell_sql(units, func.coalesce(reserved.c.q, 0), buffer)
    empty = (
        select(Product.sku)
        .select_from(synced)
        .join(managed, literal(True))
        .join(Product, Product.id == managed.c.product_id)
        .outerjoin(
            on_hand,
            and_(
                on_hand.c.connection_id == synced.c.connection_id,
                on_hand.c.product_id == managed.c.product_id,
            ),
        )
        .outerjoin(reserved, reserved.c.product_id == managed.c.product_id)
        .outerjoin(
            own,
            and_(
                own.c.connection_id == synced.c.connection_id,
                own.c.product_id == managed.c.product_id,
            ),
        )
        .outerjoin(
            default,
            and_(
                default.c.connection_id == synced.c.connection_id,
                default.c.product_id == EVERY_PRODUCT,
            ),
        )
        .where(available == 0)
        .distinct()
        .subquery()
    )
    # The first SKUs and, on each line, how many there are in all: one pass over the join.
    first = session.execute(
        select(empty.c.sku, func.count().over()).order_by(empty.c.sku).limit(NAMED_SKUS)
    ).all()
    out_of_stock = int(first[0][1]) if first else 0
    named = tuple(sku for sku, _ in first)
    refused = (
        select(func.count())
        .select_from(StockPushStatus)
        .where(StockPushStatus.outcome == "refused")
        .scalar_subquery()
    )
    open_pushes = (
        select(OutboxEntry.state, OutboxEntry.created_at)
        # The condition of the partial index ``ix_outbox_open``, word for word: the done
        # entries, which pile up, are never read.
        .where(OutboxEntry.stream == STOCK_STREAM, text(OPEN_STATES_SQL))
        .subquery()
    )
    failed = (
        select(func.count())
        .select_from(open_pushes)
        .where(open_pushes.c.state == "failed")
        .scalar_subquery()
    )
    stale = (
        select(func.count())
        .select_from(open_pushes)
        .where(open_pushes.c.state != "failed", open_pushes.c.created_at < now - STALE_PUSH)
        .scalar_subquery()
    )
    refused_count, failed_count, stale_count = session.execute(select(refused, failed, stale)).one()
    return StockAlerts(
        out_of_stock=out_of_stock,
        out_of_stock_skus=named,
        refused_pushes=int(refused_count or 0),
        failed_pushes=int(failed_count or 0),
        stale_pushes=int(stale_count or 0),
    )


def connection_health(session: Session) -> tuple[ConnectionHealth, ...]:
    """One line per connection: its state, its last successful orders import, its failures
    (one statement: each figure a subquery of the connection's line)."""
    schedules = select(func.count()).where(StreamSchedule.connection_id == Connection.id)
    failing = schedules.where(StreamSchedule.failures > 0).scalar_subquery()
    dead = schedules.where(StreamSchedule.state == "dead").scalar_subquery()
    quarantined = (
        select(func.count())
        .where(
            QuarantinedRecord.connection_id == Connection.id,
            QuarantinedRecord.resolved_at.is_(None),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Connection,
            _last_success(Connection.id),
            _last_error(Connection.id),
            failing,
            dead,
            quarantined,
        )
        .where(Connection.state != "deleted")
        .order_by(Connection.name)
    ).all()
    return tuple(
        ConnectionHealth(
            id=connection.id,
            name=connection.name,
            state=connection.state,
            state_reason=connection.state_reason,
            last_orders_import=last_import,
            failing_streams=int(failing_count or 0),
            dead_streams=int(dead_count or 0),
            last_error=last_error,
            quarantined=int(held or 0),
        )
        for connection, last_import, last_error, failing_count, dead_count, held in rows
    )


def _last_success(connection_id: Any) -> Any:
    """When the newest successful orders run finished: walks ``ix_sync_runs_connection_stream``
    backwards from the newest run, so a connection with months of runs costs a few rows.
    """
    return (
        select(SyncRun.finished_at)
        .where(
            SyncRun.connection_id == connection_id,
            SyncRun.stream == ORDERS_STREAM,
            SyncRun.outcome == "succeeded",
        )
        .order_by(SyncRun.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _last_error(connection_id: Any) -> Any:
    """The message of the last run of a stream that is failing now, if any."""
    return (
        select(SyncRun.message)
        .join(StreamSchedule, StreamSchedule.last_run_id == SyncRun.id)
        .where(
            StreamSchedule.connection_id == connection_id,
            or_(StreamSchedule.failures > 0, StreamSchedule.state == "dead"),
        )
        .order_by(SyncRun.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )
