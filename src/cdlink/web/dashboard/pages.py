"""The dashboard: the shop's health at a glance, figures from ``cdlink.hub.dashboard``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cdlink.hub.dashboard.figures import build_dashboard
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request) -> Response:
    settings = request.app.state.settings
    now = request.app.state.clock.now()
    with request.app.state.database.reading() as session:
        figures = build_dashboard(session, now, settings.zone)
    context = {
        "figures": figures,
        "connections": figures.connections,
        "zone": settings.zone,
        "today": figures.today.since.astimezone(settings.zone).date().isoformat(),
        "week_start": figures.last_7_days.since.astimezone(settings.zone).date().isoformat(),
    }
    return render(request, "dashboard/page.html", context)
