"""``GET /api/v1/dashboard``: the dashboard's figures for a period, one account or all of them.

The six KPIs (``revenue``, ``orders``, ``customers``, ``products``, ``average_order_value``,
``sync_health``) each carry ``value``, the ``previous`` period's value and ``delta`` (percent of
the previous value; points for ``sync_health``; null without a base), plus the sales trend, the
orders by status, the latest activity and the status line. The dashboard page refreshes itself
from this answer every minute. A custom range without both days, reversed, or longer than two
years is a 422 naming the parameter.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cdlink.hub.dashboard.overview import Kpi, Overview, build_overview
from cdlink.hub.dashboard.periods import DEFAULT_PERIOD, InvalidPeriod, PeriodName, resolve
from cdlink.web.dashboard.labels import KINDS, kind_of, link_of, status_label
from cdlink.web.i18n import request_language, translations
from cdlink.web.params import invalid, parse_id

router = APIRouter(tags=["dashboard"])


class KpiOut(BaseModel):
    value: Decimal | None = Field(description="This period's figure (null: nothing to measure).")
    previous: Decimal | None = Field(description="The same figure for the period before.")
    delta: Decimal | None = Field(
        description="Change against the period before, in percent (in points for sync_health); "
        "null when the period before had nothing."
    )


class PeriodOut(BaseModel):
    name: PeriodName
    first_day: date
    last_day: date
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime


class PointOut(BaseModel):
    start: datetime = Field(description="The local day (or hour) the point sums.")
    orders: int
    revenue: Decimal


class StatusOut(BaseModel):
    status: str
    label: str
    orders: int


class ActivityOut(BaseModel):
    id: int
    occurred_at: datetime
    connection_id: int | None
    level: Literal["info", "warning", "error"] | str
    kind: str
    type: str = Field(description="connection, orders, sync, stock, catalog or customer_service.")
    type_label: str = Field(description="The type, in the request's language.")
    message: str
    link: str


class StatusLineOut(BaseModel):
    queue_jobs: int = Field(description="Writes waiting to be sent to Cdiscount.")
    errors: int = Field(
        description="Failing or stopped streams, records not imported, writes that failed."
    )
    out_of_stock: int = Field(description="SKUs nobody can buy on a stock-synced account.")
    runs_last_hour: int
    sync_rate: Decimal | None = Field(
        description="Percent of the last hour's finished runs that succeeded."
    )


class DashboardOut(BaseModel):
    period: PeriodOut
    connection: int | None
    currency: str
    revenue: KpiOut
    orders: KpiOut
    customers: KpiOut = Field(description="New customers: their first order is in the period.")
    products: KpiOut = Field(description="Products in the catalogue at the end of the period.")
    average_order_value: KpiOut
    sync_health: KpiOut = Field(description="Percent of the period's finished runs that succeeded.")
    series: list[PointOut]
    statuses: list[StatusOut]
    activity: list[ActivityOut]
    status_line: StatusLineOut
    has_orders: bool = Field(description="Whether any order is stored at all (any period).")


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise invalid("query", name, "not a day: give it as YYYY-MM-DD") from None


def account(value: str | None) -> int | None:
    """The ``connection`` filter: empty means every account (the page's "All accounts")."""
    if value is None or not value.strip():
        return None
    found = parse_id(value)
    if found is None:
        raise invalid("query", "connection", "an account id: a whole number from 1")
    return found


def overview_for(
    request: Request,
    period: str,
    first: str | None,
    last: str | None,
    connection: str | None,
    *,
    out_of_stock: int | None = None,
) -> Overview:
    """The figures for the query's period; a 422 naming the parameter for a bad range."""
    settings = request.app.state.settings
    now = request.app.state.clock.now()
    try:
        chosen = resolve(period, now, settings.zone, _day(first, "from"), _day(last, "to"))
    except InvalidPeriod as error:
        raise invalid("query", error.field, error.message) from None
    with request.app.state.database.reading() as session:
        return build_overview(session, chosen, now, account(connection), out_of_stock=out_of_stock)


def _kpi(kpi: Kpi) -> KpiOut:
    def number(value: Decimal | int | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return KpiOut(value=number(kpi.value), previous=number(kpi.previous), delta=kpi.delta)


def answer(request: Request, overview: Overview) -> DashboardOut:
    gettext = translations(request_language(request, request.app.state.settings)).gettext
    period = overview.period
    previous = period.previous
    line = overview.status_line
    return DashboardOut(
        period=PeriodOut(
            name=period.name,
            first_day=period.first_day,
            last_day=period.last_day,
            start=period.start,
            end=period.end,
            previous_start=previous.start,
            previous_end=previous.end,
        ),
        connection=overview.connection_id,
        currency=overview.currency,
        revenue=_kpi(overview.revenue),
        orders=_kpi(overview.orders),
        customers=_kpi(overview.customers),
        products=_kpi(overview.products),
        average_order_value=_kpi(overview.average_order_value),
        sync_health=_kpi(overview.sync_health),
        series=[
            PointOut(start=p.start, orders=p.orders, revenue=p.revenue) for p in overview.series
        ],
        statuses=[
            StatusOut(status=status, label=gettext(status_label(status)), orders=count)
            for status, count in overview.statuses
        ],
        activity=[
            ActivityOut(
                id=entry.id,
                occurred_at=entry.occurred_at,
                connection_id=entry.connection_id,
                level=entry.level,
                kind=entry.kind,
                type=kind_of(entry),
                type_label=gettext(KINDS[kind_of(entry)]),
                message=gettext(entry.message),
                link=link_of(entry),
            )
            for entry in overview.activity
        ],
        status_line=StatusLineOut(
            queue_jobs=line.queue_jobs,
            errors=line.errors,
            out_of_stock=line.out_of_stock,
            runs_last_hour=line.runs_last_hour,
            sync_rate=line.sync_rate,
        ),
        has_orders=overview.has_orders,
    )


@router.get("/dashboard")
def dashboard(
    request: Request,
    period: Annotated[
        PeriodName, Query(description="today, 7d, 30d, 90d, year or custom (with from and to).")
    ] = DEFAULT_PERIOD,
    first: Annotated[
        str | None, Query(alias="from", description="custom: the first day, YYYY-MM-DD.")
    ] = None,
    last: Annotated[
        str | None, Query(alias="to", description="custom: the last day (included), YYYY-MM-DD.")
    ] = None,
    connection: Annotated[
        str | None, Query(description="One account's id; empty or absent: every account.")
    ] = None,
) -> DashboardOut:
    """The dashboard's figures for a period, against the period of the same length before."""
    return answer(request, overview_for(request, period, first, last, connection))
