"""The dashboard: the shop's health at a glance, figures from ``cdlink.hub.dashboard``.

The page is rendered whole (it works without JavaScript); ``static/js/dashboard.js`` draws the
charts (Chart.js, served from ``static/vendor/chartjs``) and refreshes every figure in place
every minute from ``GET /api/v1/dashboard`` with the same query, so the chosen period stays.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import select

from cdlink.core.i18n import moment_text
from cdlink.hub.dashboard.figures import build_dashboard
from cdlink.hub.dashboard.periods import DEFAULT_PERIOD, PERIODS, PeriodName
from cdlink.store.models import Connection
from cdlink.web.dashboard.api import answer, overview_for
from cdlink.web.dashboard.labels import KINDS, PERIOD_LABELS, kind_of, link_of, status_label
from cdlink.web.i18n import request_language
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(
    request: Request,
    period: PeriodName = DEFAULT_PERIOD,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
    connection: str | None = None,
) -> Response:
    settings = request.app.state.settings
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        figures = build_dashboard(session, now, settings.zone)
        accounts = [
            (account.id, account.name, account.state)
            for account in session.scalars(select(Connection).order_by(Connection.name))
        ]
    overview = overview_for(
        request, period, first, last, connection, out_of_stock=figures.stock.out_of_stock
    )
    language = request_language(request, settings)

    def when(moment: datetime | None) -> str:
        return moment_text(moment, settings.zone, language, seconds=False)

    def figure(value: Decimal | int | None, kind: str, currency: str = "EUR") -> str:
        if value is None:
            return "—"
        if kind == "money":
            return format_currency(value, currency, locale=language)
        if kind == "percent":
            return format_decimal(value, "#,##0.0", locale=language) + "\u202f%"
        return format_decimal(value, locale=language)

    def delta(value: Decimal | None, points: bool = False) -> str:
        if value is None:
            return "—"
        sign = "+" if value > 0 else ("\u2212" if value < 0 else "\u00b1")
        text = format_decimal(abs(value), "#,##0.0", locale=language)
        return f"{sign}{text}\u202f" + ("pt" if points else "%")

    context = {
        "when": when,
        "figure": figure,
        "delta": delta,
        "day": lambda value: format_date(value, "medium", locale=language),
        "zone_name": settings.zone.key,
        "figures": figures,
        "overview": overview,
        "data": jsonable_encoder(answer(request, overview)),
        "connections": figures.connections,
        "accounts": accounts,
        "periods": [(name, PERIOD_LABELS[name]) for name in PERIODS],
        "zone": settings.zone,
        "status_label": status_label,
        "kind_of": kind_of,
        "labels_kinds": KINDS,
        "link_of": link_of,
        "today": figures.today_start.astimezone(settings.zone).date().isoformat(),
        "week_start": figures.week_start.astimezone(settings.zone).date().isoformat(),
    }
    return render(request, "dashboard/page.html", context)
