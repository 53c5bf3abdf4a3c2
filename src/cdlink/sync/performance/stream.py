"""The ``indicators`` stream: Cdiscount's performance indicators and cdlink's own, daily.

Once a day (or at once with ``cdlink sync run -s indicators``) it reads ``GET
/sellers/indicators`` through the connection's budget, computes cdlink's own figures from the
orders it holds (``cdlink.hub.performance.own``), keeps both as the day's history
(``cdlink.hub.performance.indicators.record``: reading again the same day replaces the day's
rows, so a run done twice is harmless) and raises the alerts due (``...performance.alerts``),
all in one transaction.
"""

from __future__ import annotations

from cdlink.hub.performance.alerts import check_alerts
from cdlink.hub.performance.indicators import CDISCOUNT, CDLINK, Figure, record
from cdlink.hub.performance.own import own_figures
from cdlink.octopia.models import SellerIndicators
from cdlink.sync.engine.streams import Stream, StreamContext

STREAM = "indicators"


def marketplace_figures(indicators: SellerIndicators) -> list[Figure]:
    """The mapper: the marketplace's indicators as hub figures."""
    return [
        Figure(
            name=name,
            value_d30=item.value_d30,
            value_d60=item.value_d60,
            threshold=item.threshold,
            threshold_type=str(item.threshold_type) if item.threshold_type else None,
            computed_at=item.computation_date,
        )
        for name, item in indicators.named().items()
    ]


class IndicatorsReader(Stream):
    """Reads, computes and keeps the day's figures; see the module docstring."""

    name = STREAM
    default_interval = 86400

    def run(self, context: StreamContext) -> None:
        figures = marketplace_figures(context.client().sellers.indicators())
        now = context.clock.now()
        with context.transaction() as session:
            read = record(session, context.connection_id, CDISCOUNT, figures, now)
            own = own_figures(session, context.connection_id, now)
            computed = record(session, context.connection_id, CDLINK, own, now)
            alerts = check_alerts(session, context.connection_id, now)
        context.made_progress()
        context.count(indicators=read, own_figures=computed, alerts=alerts)
