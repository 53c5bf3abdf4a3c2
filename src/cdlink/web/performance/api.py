"""``GET /api/v1/indicators``: a connection's performance indicators, current and history.

Nothing here calls the marketplace: the ``indicators`` stream reads ``/sellers/indicators`` daily
and computes cdlink's own figures; this reads what it kept (``cdlink.hub.performance``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.performance import indicators as hub
from cdlink.store.models import PerformanceFigure
from cdlink.web.params import MAXIMUM_ID

router = APIRouter(tags=["performance"])
ConnectionQuery = Annotated[
    int, Query(ge=1, le=MAXIMUM_ID, description="The connection (``/api/v1/connections``).")
]
Days = Annotated[int, Query(ge=1, le=366, description="How many days of history (1 to 366).")]


class FigureOut(BaseModel):
    source: str = Field(description="``cdiscount`` (read from Cdiscount) or ``cdlink`` (computed).")
    name: str = Field(
        description="order_acceptation, product_shipping, deadline_compliance, "
        "order_claims or order_refunds."
    )
    day: date
    value_d30: Decimal | None = Field(description="Percent over the last 30 days.")
    value_d60: Decimal | None = Field(description="Percent over the last 60 days.")
    threshold: Decimal = Field(
        description="The threshold cdlink alerts on (the stricter of "
        "Cdiscount's and today's business threshold)."
    )
    threshold_type: str = Field(description="ThresholdMin (stay above) or ThresholdMax (below).")
    level: str = Field(description="ok, near (close to the threshold), beyond, or unknown.")
    computed_at: datetime


class IndicatorsOut(BaseModel):
    connection_id: int
    current: list[FigureOut] = Field(description="The newest figure of each source and name.")
    history: list[FigureOut] = Field(description="Every day's figures, oldest first.")


def figure_out(row: PerformanceFigure) -> FigureOut:
    rule = hub.rule_for(row)
    return FigureOut(
        source=row.source,
        name=row.name,
        day=row.day,
        value_d30=row.value_d30,
        value_d60=row.value_d60,
        threshold=rule.threshold,
        threshold_type=rule.kind,
        level=hub.level(row),
        computed_at=row.computed_at,
    )


@router.get("/indicators")
def indicators(request: Request, connection_id: ConnectionQuery, days: Days = 90) -> IndicatorsOut:
    """The current indicators (Cdiscount's and cdlink's) and their daily history."""
    today = request.app.state.clock.now().date()
    with request.app.state.database.reading() as session:
        get_connection(session, connection_id)
        current = hub.latest(session, connection_id)
        rows = hub.history(session, connection_id, days=days, today=today)
        return IndicatorsOut(
            connection_id=connection_id,
            current=[figure_out(current[key]) for key in sorted(current, key=_order)],
            history=[figure_out(row) for row in rows],
        )


def _order(key: tuple[str, str]) -> tuple[int, int]:
    source, name = key
    return list(hub.RULES).index(name), hub.SOURCES.index(source)
