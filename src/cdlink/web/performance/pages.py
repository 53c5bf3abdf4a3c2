"""The Performance page: the five indicators against their thresholds, Cdiscount's beside
cdlink's own, over 30 and 60 days, with their daily trend (Chart.js, served by cdlink).

It reads what the ``indicators`` stream kept; nothing here calls the marketplace.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cdlink.hub.connections.accounts import list_connections
from cdlink.hub.performance import indicators as hub
from cdlink.hub.performance import labels
from cdlink.store.models import PerformanceFigure
from cdlink.web.params import parse_id
from cdlink.web.templating import render

router = APIRouter(include_in_schema=False)
HISTORY_DAYS = 90


@router.get("/performance")
def performance_page(request: Request, connection: str = "") -> Response:
    today = request.app.state.clock.now().date()
    with request.app.state.database.reading() as session:
        connections = {item.id: item.name for item in list_connections(session)}
        chosen = parse_id(connection)
        chosen = chosen if chosen in connections else next(iter(connections), None)
        current = hub.latest(session, chosen) if chosen else {}
        rows = hub.history(session, chosen, days=HISTORY_DAYS, today=today) if chosen else []
        values = {
            "labels": labels,
            "connections": connections,
            "chosen": chosen,
            "rows": [_row(name, current) for name in hub.RULES],
            "charts": _charts(rows),
            "read_at": max((item.recorded_at for item in current.values()), default=None),
            "zone": request.app.state.settings.zone,
        }
    return render(request, "performance/page.html", values)


def _row(name: str, current: dict[tuple[str, str], PerformanceFigure]) -> dict[str, Any]:
    rule = hub.RULES[name]
    found = {source: current.get((source, name)) for source in hub.SOURCES}
    shown = found[hub.CDISCOUNT] or found[hub.CDLINK]
    rule = hub.rule_for(shown) if shown is not None else rule
    return {
        "name": name,
        "threshold": rule.threshold,
        "kind": rule.kind,
        "figures": found,
        "levels": {source: hub.level(row) if row else "unknown" for source, row in found.items()},
    }


def _charts(rows: list[PerformanceFigure]) -> dict[str, str]:
    """Per indicator, the JSON the page's script draws: days, and each source's 30-day values."""
    charts: dict[str, dict[str, Any]] = {}
    for row in rows:
        chart = charts.setdefault(row.name, {"days": [], "series": {}})
        day = row.day.isoformat()
        if day not in chart["days"]:
            chart["days"].append(day)
        value = None if row.value_d30 is None else float(row.value_d30)
        chart["series"].setdefault(row.source, {})[day] = value
    return {
        name: json.dumps(
            {
                "days": chart["days"],
                "series": {
                    source: [points.get(day) for day in chart["days"]]
                    for source, points in chart["series"].items()
                },
                "threshold": float(hub.RULES[name].threshold),
            }
        )
        for name, chart in charts.items()
    }
