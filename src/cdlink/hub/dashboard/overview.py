"""The dashboard's period figures: six KPIs against the period before, the sales trend, the
orders by status, the latest activity and the status line, for one connection or all of them.

Sales come from ``order_hours`` (orders per UTC hour, status and currency, kept by triggers: see
``cdlink.store.models.figures``) for the whole hours of a period, and from ``orders`` itself for
the part of an hour at each end, so every figure is exact to the second while a year reads a
few thousand rows instead of half a million orders. Amounts are summed in cents. Revenue and the
average order value leave refused and cancelled orders out (as ``figures.sales_since`` does);
the orders count keeps them, like the orders list.

The KPIs:

- revenue, orders, average order value: of the orders bought in the period (revenue in the
  period's main currency: the one that sold most);
- customers: customers whose first order falls in the period (new customers);
- products: products in the catalogue at the end of the period;
- sync health: the share of the period's finished sync runs that succeeded, in percent; its
  delta is in points, every other delta in percent of the previous value (none when that is 0).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from cdlink.hub.dashboard.figures import NOT_SOLD, stock_alerts
from cdlink.hub.dashboard.periods import Period, midnight
from cdlink.store.models import (
    ActivityEntry,
    Connection,
    Customer,
    Order,
    OrderDay,
    OrderHour,
    OutboxEntry,
    Product,
    QuarantinedRecord,
    StreamSchedule,
    SyncRun,
    SyncRunHour,
)
from cdlink.store.models.sync import OPEN_STATES_SQL

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
DEFAULT_CURRENCY = "EUR"
FINISHED_RUNS = ("succeeded", "failed", "dead")
ACTIVITY_LENGTH = 8
# Hours read by one statement of the daily trend (2 a day in most zones: a custom range of two
# years is one statement; well below SQLite's and PostgreSQL's limits on parameters).
HOURS_PER_QUERY = 2000
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# (status, currency) → (orders, cents)
Sums = dict[tuple[str, str], tuple[int, int]]


@dataclass(frozen=True)
class Kpi:
    value: Decimal | int | None
    previous: Decimal | int | None
    # Percent of the previous value (points for sync health); None when there is no base.
    delta: Decimal | None


@dataclass(frozen=True)
class Point:
    """One point of the sales trend: a local day (or hour) and what it sold."""

    start: datetime
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class Activity:
    id: int
    occurred_at: datetime
    connection_id: int | None
    level: str
    kind: str
    message: str
    details: dict[str, Any]


@dataclass(frozen=True)
class StatusLine:
    """The dashboard's footer: what waits, what fails, what cannot be bought, how sync goes."""

    queue_jobs: int
    errors: int
    out_of_stock: int
    runs_last_hour: int
    # The share of the last hour's finished runs that succeeded, in percent (None: no run).
    sync_rate: Decimal | None


@dataclass(frozen=True)
class Overview:
    period: Period
    connection_id: int | None
    currency: str
    revenue: Kpi
    orders: Kpi
    customers: Kpi
    products: Kpi
    average_order_value: Kpi
    sync_health: Kpi
    series: tuple[Point, ...]
    statuses: tuple[tuple[str, int], ...]
    activity: tuple[Activity, ...]
    status_line: StatusLine
    has_orders: bool


def change(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | None:
    """``now`` against ``before`` in percent, to a tenth; None when ``before`` is 0 or unknown."""
    if now is None or before is None or before == 0:
        return None
    return ((Decimal(now) - Decimal(before)) * 100 / Decimal(before)).quantize(TENTH)


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floor = floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def _connection(column: Any, connection_id: int | None) -> ColumnElement[bool]:
    return column == connection_id if connection_id is not None else and_(True)


def _order_cents() -> Any:
    return func.coalesce(func.round(Order.total_amount * 100), 0)


def order_sums(
    session: Session, start: datetime, end: datetime, connection_id: int | None = None
) -> Sums:
    """Orders bought in [start, end) per (status, currency): how many, and their totals in cents
    (whole hours from ``order_hours``, the ends from ``orders``)."""
    return order_sums_of(session, [(start, end)], connection_id)[0]


def order_sums_of(
    session: Session, spans: list[tuple[datetime, datetime]], connection_id: int | None = None
) -> list[Sums]:
    """``order_sums`` of several spans in one statement (one round trip: a ``UNION ALL`` of
    every span's days, hours and ends, each line tagged with its span)."""
    parts = [
        part.add_columns(literal(index).label("span"))
        for index, (start, end) in enumerate(spans)
        for part in _sum_parts(start, end, connection_id)
    ]
    sums: list[dict[tuple[str, str], list[int]]] = [defaultdict(lambda: [0, 0]) for _ in spans]
    for status, currency, count, cents, index in _run_all(session, parts):
        sums[int(index)][(status, currency)][0] += int(count or 0)
        sums[int(index)][(status, currency)][1] += int(cents or 0)
    return [{key: (value[0], value[1]) for key, value in one.items() if value[0]} for one in sums]


def _run_all(session: Session, parts: list[Any]) -> list[Any]:
    if not parts:
        return []
    if len(parts) == 1:
        return list(session.execute(parts[0]).all())
    return list(session.execute(union_all(*parts)).all())


def floor_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def ceil_day(moment: datetime) -> datetime:
    floor = floor_day(moment)
    return floor if floor == moment else floor + DAY


Span = tuple[datetime, datetime]


def pieces(start: datetime, end: datetime) -> tuple[list[Span], list[Span], list[Span]]:
    """[start, end) as whole UTC days, then whole hours, then what is left at each end."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    whole_start, whole_end = ceil_hour(start), floor_hour(end)
    if whole_start >= whole_end:
        return [], [], [(start, end)] if start < end else []
    raw = [span for span in ((start, whole_start), (whole_end, end)) if span[0] < span[1]]
    day_start, day_end = ceil_day(whole_start), floor_day(whole_end)
    if day_start >= day_end:
        return [], [(whole_start, whole_end)], raw
    hours = [span for span in ((whole_start, day_start), (day_end, whole_end)) if span[0] < span[1]]
    return [(day_start, day_end)], hours, raw


def _sum_parts(start: datetime, end: datetime, connection_id: int | None) -> list[Any]:
    days, hours, raw = pieces(start, end)
    parts: list[Any] = []
    for table, column, spans in (
        (OrderDay, OrderDay.day, days),
        (OrderHour, OrderHour.hour, hours),
    ):
        for first, last in spans:
            parts.append(
                select(
                    table.status,
                    table.currency,
                    func.sum(table.orders),
                    func.sum(table.amount_cents),
                )
                .where(
                    column >= first, column < last, _connection(table.connection_id, connection_id)
                )
                .group_by(table.status, table.currency)
            )
    for first, last in raw:
        parts.append(
            select(Order.status, Order.currency, func.count(), func.sum(_order_cents()))
            .where(
                Order.purchased_at >= first,
                Order.purchased_at < last,
                _connection(Order.connection_id, connection_id),
            )
            .group_by(Order.status, Order.currency)
        )
    return parts


def _sold(sums: Sums, currency: str) -> tuple[int, int]:
    """(orders, cents) neither refused nor cancelled, in ``currency``."""
    orders = sum(
        n for (status, cur), (n, _) in sums.items() if status not in NOT_SOLD and cur == currency
    )
    cents = sum(
        c for (status, cur), (_, c) in sums.items() if status not in NOT_SOLD and cur == currency
    )
    return orders, cents


def main_currency(sums: Sums) -> str:
    sold: dict[str, int] = defaultdict(int)
    for (status, currency), (_, cents) in sums.items():
        if status not in NOT_SOLD:
            sold[currency] += cents
    if not sold:
        return DEFAULT_CURRENCY
    return max(sorted(sold), key=lambda currency: sold[currency])


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _new_customers_query(start: datetime, end: datetime, connection_id: int | None) -> Select[int]:
    return (
        select(func.count())
        .select_from(Customer)
        .where(
            Customer.first_order_at >= start,
            Customer.first_order_at < end,
            _connection(Customer.connection_id, connection_id),
        )
    )


def new_customers(
    session: Session, start: datetime, end: datetime, connection_id: int | None
) -> int:
    return int(session.scalar(_new_customers_query(start, end, connection_id)) or 0)


def _products_query(moment: datetime) -> Select[int]:
    return select(func.count()).select_from(Product).where(Product.created_at < moment)


def products_at(session: Session, moment: datetime) -> int:
    return int(session.scalar(_products_query(moment)) or 0)


def sync_share(
    session: Session, start: datetime, end: datetime, connection_id: int | None
) -> tuple[int, Decimal | None]:
    """Finished runs started in [start, end), and the share that succeeded in percent (whole
    hours from ``sync_run_hours``, the ends from ``sync_runs``)."""
    return sync_shares(session, [(start, end)], connection_id)[0]


def sync_shares(
    session: Session, spans: list[tuple[datetime, datetime]], connection_id: int | None
) -> list[tuple[int, Decimal | None]]:
    """``sync_share`` of several spans, in one statement."""
    parts: list[Any] = []
    for index, (start, end) in enumerate(spans):
        tag = literal(index).label("span")
        whole_start, whole_end = ceil_hour(start), floor_hour(end)
        if whole_start < whole_end:
            parts.append(
                select(SyncRunHour.outcome, func.sum(SyncRunHour.runs), tag)
                .where(
                    SyncRunHour.hour >= whole_start,
                    SyncRunHour.hour < whole_end,
                    SyncRunHour.outcome.in_(FINISHED_RUNS),
                    _connection(SyncRunHour.connection_id, connection_id),
                )
                .group_by(SyncRunHour.outcome)
            )
            edges = [(start, whole_start), (whole_end, end)]
        else:
            edges = [(start, end)]
        for edge_start, edge_end in edges:
            if edge_start >= edge_end:
                continue
            parts.append(
                select(SyncRun.outcome, func.count(), tag)
                .where(
                    SyncRun.started_at >= edge_start,
                    SyncRun.started_at < edge_end,
                    SyncRun.outcome.in_(FINISHED_RUNS),
                    _connection(SyncRun.connection_id, connection_id),
                )
                .group_by(SyncRun.outcome)
            )
    counts: list[dict[str, int]] = [defaultdict(int) for _ in spans]
    for outcome, runs, index in _run_all(session, parts):
        counts[int(index)][outcome] += int(runs or 0)
    shares: list[tuple[int, Decimal | None]] = []
    for one in counts:
        finished = sum(one.values())
        if not finished:
            shares.append((0, None))
            continue
        succeeded = one.get("succeeded", 0)
        shares.append((finished, (Decimal(succeeded) * 100 / finished).quantize(TENTH)))
    return shares


def _aligned(period: Period) -> bool:
    """Whether the seller's local midnights fall on whole UTC hours (every zone but a few,
    such as Asia/Kolkata): its offsets at both ends of the period are whole hours."""
    return all(
        (moment.astimezone(period.zone).utcoffset() or HOUR) % HOUR == timedelta(0)
        for moment in (period.start, period.end)
    )


def _daily_series(
    session: Session, period: Period, currency: str, connection_id: int | None
) -> tuple[Point, ...]:
    """A point per local day from ``order_days``: a local day is the UTC day it mostly covers,
    plus the hours it has before or after it, less the hours of that UTC day it does not have
    (read from ``order_hours``); the unfinished last day is summed like a KPI."""
    plans: list[tuple[date, datetime, list[datetime], list[datetime]]] = []
    partial: list[tuple[date, datetime, datetime]] = []
    # A period's days, read once (each is a time zone conversion): a year is 365 turns.
    day, last_day, period_end = period.first_day, period.last_day, period.end
    start = midnight(day, period.zone)
    while day <= last_day:
        end = midnight(day + DAY, period.zone)
        if end > period_end:
            partial.append((day, start, period_end))
        else:
            anchor = floor_day(start + timedelta(hours=12))
            after = anchor + DAY
            plus = _hours(start, anchor) + _hours(after, end)
            minus = _hours(anchor, start) + _hours(end, after)
            plans.append((day, anchor, plus, minus))
        day, start = day + DAY, end
    sold_day = case(
        (
            and_(OrderDay.status.not_in(NOT_SOLD), OrderDay.currency == currency),
            OrderDay.amount_cents,
        ),
        else_=0,
    )
    days: dict[datetime, tuple[int, int]] = {}
    if plans:
        days = {
            moment: (int(count or 0), int(cents or 0))
            for moment, count, cents in session.execute(
                select(OrderDay.day, func.sum(OrderDay.orders), func.sum(sold_day))
                .where(
                    OrderDay.day >= plans[0][1],
                    OrderDay.day <= plans[-1][1],
                    _connection(OrderDay.connection_id, connection_id),
                )
                .group_by(OrderDay.day)
            )
        }
    wanted = sorted({hour for _, _, plus, minus in plans for hour in plus + minus})
    hours: dict[datetime, tuple[int, int]] = {}
    sold_hour = case(
        (
            and_(OrderHour.status.not_in(NOT_SOLD), OrderHour.currency == currency),
            OrderHour.amount_cents,
        ),
        else_=0,
    )
    # One statement whatever the number of hours (an expanding parameter: compiled once,
    # cached, its values bound as a list), a chunk per HOURS_PER_QUERY hours.
    by_hour = (
        select(OrderHour.hour, func.sum(OrderHour.orders), func.sum(sold_hour))
        .where(
            OrderHour.hour.in_(bindparam("hours", expanding=True)),
            _connection(OrderHour.connection_id, connection_id),
        )
        .group_by(OrderHour.hour)
    )
    for chunk in range(0, len(wanted), HOURS_PER_QUERY):
        hours.update(
            {
                moment: (int(count or 0), int(cents or 0))
                for moment, count, cents in session.execute(
                    by_hour, {"hours": wanted[chunk : chunk + HOURS_PER_QUERY]}
                )
            }
        )
    points: list[Point] = []
    for day, anchor, plus, minus in plans:
        count, cents = days.get(anchor, (0, 0))
        for hour in plus:
            count += hours.get(hour, (0, 0))[0]
            cents += hours.get(hour, (0, 0))[1]
        for hour in minus:
            count -= hours.get(hour, (0, 0))[0]
            cents -= hours.get(hour, (0, 0))[1]
        points.append(Point(_local_start(day, period), count, _money(cents)))
    for day, start, end in partial:
        sums = order_sums(session, start, end, connection_id)
        count = sum(n for n, _ in sums.values())
        points.append(Point(_local_start(day, period), count, _money(_sold(sums, currency)[1])))
    return tuple(points)


def _local_start(day: date, period: Period) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=period.zone)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    found = []
    moment = start
    while moment < end:
        found.append(moment)
        moment += HOUR
    return found


def series(
    session: Session, period: Period, currency: str, connection_id: int | None
) -> tuple[Point, ...]:
    """The sales trend: a point per local day (per hour for a period of two days or less),
    every bucket present (zeros included)."""
    if not period.hourly and _aligned(period):
        return _daily_series(session, period, currency, connection_id)
    sold_cents = case(
        (
            and_(OrderHour.status.not_in(NOT_SOLD), OrderHour.currency == currency),
            OrderHour.amount_cents,
        ),
        else_=0,
    )
    whole_start, whole_end = ceil_hour(period.start), floor_hour(period.end)
    rows: list[tuple[datetime, int, int]] = []
    if whole_start < whole_end:
        rows += [
            (hour, int(count or 0), int(cents or 0))
            for hour, count, cents in session.execute(
                select(OrderHour.hour, func.sum(OrderHour.orders), func.sum(sold_cents))
                .where(
                    OrderHour.hour >= whole_start,
                    OrderHour.hour < whole_end,
                    _connection(OrderHour.connection_id, connection_id),
                )
                .group_by(OrderHour.hour)
            )
        ]
        edges = [(period.start, whole_start), (whole_end, period.end)]
    else:
        edges = [(period.start, period.end)]
    for start, end in edges:
        if start >= end:
            continue
        for bought, status, cur, cents in session.execute(
            select(Order.purchased_at, Order.status, Order.currency, _order_cents()).where(
                Order.purchased_at >= start,
                Order.purchased_at < end,
                _connection(Order.connection_id, connection_id),
            )
        ):
            sold = status not in NOT_SOLD and cur == currency
            rows.append((bought, 1, int(cents or 0) if sold else 0))
    zone = period.zone
    buckets: dict[datetime, list[int]] = {}
    if period.hourly:
        moment = floor_hour(period.start)
        while moment < period.end:
            buckets[moment] = [0, 0]
            moment += HOUR
        for moment, count, cents in rows:
            bucket = buckets.setdefault(floor_hour(moment), [0, 0])
            bucket[0] += count
            bucket[1] += cents
    else:
        days: dict[date, list[int]] = {}
        day, last_day = period.first_day, period.last_day
        while day <= last_day:
            days[day] = [0, 0]
            day += timedelta(days=1)
        for moment, count, cents in rows:
            bucket = days.setdefault(moment.astimezone(zone).date(), [0, 0])
            bucket[0] += count
            bucket[1] += cents
        buckets = {
            datetime.combine(day, datetime.min.time(), tzinfo=zone): value
            for day, value in days.items()
        }
    return tuple(
        Point(start, value[0], _money(value[1])) for start, value in sorted(buckets.items())
    )


def activity(session: Session, connection_id: int | None) -> tuple[Activity, ...]:
    entries = session.scalars(
        select(ActivityEntry)
        .where(_connection(ActivityEntry.connection_id, connection_id))
        .order_by(ActivityEntry.id.desc())
        .limit(ACTIVITY_LENGTH)
    )
    return tuple(
        Activity(
            id=entry.id,
            occurred_at=entry.occurred_at,
            connection_id=entry.connection_id,
            level=entry.level,
            kind=entry.kind,
            message=entry.message,
            details=dict(entry.details or {}),
        )
        for entry in entries
    )


def status_line(
    session: Session,
    now: datetime,
    connection_id: int | None,
    *,
    out_of_stock: int | None = None,
    last_hour: tuple[int, Decimal | None] | None = None,
) -> StatusLine:
    """The footer, its counts in one statement; ``out_of_stock`` when the caller already has
    ``stock_alerts``' count, ``last_hour`` its ``sync_share`` of the hour before ``now``."""
    open_writes = (
        select(func.count())
        .select_from(OutboxEntry)
        .where(text(OPEN_STATES_SQL), _connection(OutboxEntry.connection_id, connection_id))
    )
    queued = open_writes.where(OutboxEntry.state != "failed").scalar_subquery()
    failed_writes = open_writes.where(OutboxEntry.state == "failed").scalar_subquery()
    failing_streams = (
        select(func.count())
        .select_from(StreamSchedule)
        .join(Connection, Connection.id == StreamSchedule.connection_id)
        .where(
            Connection.state != "deleted",
            (StreamSchedule.failures > 0) | (StreamSchedule.state == "dead"),
            _connection(StreamSchedule.connection_id, connection_id),
        )
        .scalar_subquery()
    )
    quarantined = (
        select(func.count())
        .select_from(QuarantinedRecord)
        .where(
            QuarantinedRecord.resolved_at.is_(None),
            _connection(QuarantinedRecord.connection_id, connection_id),
        )
        .scalar_subquery()
    )
    waiting, failed, failing, held = session.execute(
        select(queued, failed_writes, failing_streams, quarantined)
    ).one()
    if last_hour is None:
        last_hour = sync_share(session, now - HOUR, now + timedelta(microseconds=1), connection_id)
    runs, rate = last_hour
    return StatusLine(
        queue_jobs=int(waiting or 0),
        errors=int(failed or 0) + int(failing or 0) + int(held or 0),
        out_of_stock=(
            out_of_stock if out_of_stock is not None else stock_alerts(session, now).out_of_stock
        ),
        runs_last_hour=runs,
        sync_rate=rate,
    )


def build_overview(
    session: Session,
    period: Period,
    now: datetime,
    connection_id: int | None = None,
    *,
    out_of_stock: int | None = None,
) -> Overview:
    """Every period figure of the dashboard for ``connection_id`` (None: every connection)."""
    before = period.previous
    # A round trip costs more than most of these queries on a busy server: the figures of both
    # periods come in a few statements (sums, runs, counts), not one per figure.
    current, previous = order_sums_of(
        session, [(period.start, period.end), (before.start, before.end)], connection_id
    )
    currency = main_currency(current) if current else main_currency(previous)
    sold_now, cents_now = _sold(current, currency)
    sold_before, cents_before = _sold(previous, currency)
    revenue_now, revenue_before = _money(cents_now), _money(cents_before)
    orders_now = sum(n for n, _ in current.values())
    orders_before = sum(n for n, _ in previous.values())
    aov_now = (revenue_now / sold_now).quantize(CENT) if sold_now else None
    aov_before = (revenue_before / sold_before).quantize(CENT) if sold_before else None
    customers_now, customers_before, products_now, products_before, has_orders = session.execute(
        select(
            _new_customers_query(period.start, period.end, connection_id).scalar_subquery(),
            _new_customers_query(before.start, before.end, connection_id).scalar_subquery(),
            _products_query(period.end).scalar_subquery(),
            _products_query(before.end).scalar_subquery(),
            exists().where(Order.id.is_not(None)),
        )
    ).one()
    (_, health_now), (_, health_before), last_hour = sync_shares(
        session,
        [
            (period.start, period.end),
            (before.start, before.end),
            (now - HOUR, now + timedelta(microseconds=1)),
        ],
        connection_id,
    )
    health_delta = (
        (health_now - health_before).quantize(TENTH)
        if health_now is not None and health_before is not None
        else None
    )
    statuses: dict[str, int] = defaultdict(int)
    for (status, _), (count, _) in current.items():
        statuses[status] += count
    return Overview(
        period=period,
        connection_id=connection_id,
        currency=currency,
        revenue=Kpi(revenue_now, revenue_before, change(revenue_now, revenue_before)),
        orders=Kpi(orders_now, orders_before, change(orders_now, orders_before)),
        customers=Kpi(
            int(customers_now or 0),
            int(customers_before or 0),
            change(int(customers_now or 0), int(customers_before or 0)),
        ),
        products=Kpi(
            int(products_now or 0),
            int(products_before or 0),
            change(int(products_now or 0), int(products_before or 0)),
        ),
        average_order_value=Kpi(aov_now, aov_before, change(aov_now, aov_before)),
        sync_health=Kpi(health_now, health_before, health_delta),
        series=series(session, period, currency, connection_id),
        statuses=tuple(sorted(statuses.items(), key=lambda item: (-item[1], item[0]))),
        activity=activity(session, connection_id),
        status_line=status_line(
            session, now, connection_id, out_of_stock=out_of_stock, last_hour=last_hour
        ),
        has_orders=bool(has_orders),
    )
