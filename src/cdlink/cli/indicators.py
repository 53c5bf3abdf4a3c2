"""``cdlink indicators``: a connection's performance indicators, Cdiscount's and cdlink's own.

They are read daily by the ``indicators`` stream (``cdlink sync run -s indicators`` reads them
now); this command never calls the marketplace.
"""

from __future__ import annotations

from decimal import Decimal

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.hub.performance import indicators as hub
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection
from cdlink.web.performance.api import IndicatorsOut, figure_out

LEVELS = {"ok": "", "near": "  NEAR THRESHOLD", "beyond": "  THRESHOLD CROSSED", "unknown": ""}


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f} %"


@friendly
def indicators(
    connection: str = typer.Option(..., "--connection", "-c", help="Connection id or name."),
    history: int = typer.Option(
        0, "--history", min=0, max=366, help="Also list the last N days, oldest first."
    ),
    as_json: bool = JSON,
) -> None:
    """The five indicators over 30 and 60 days against their thresholds (and their history)."""
    database = Database(load_settings().effective_database_url)
    migrate.ensure_current(database)
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
            current = hub.latest(session, connection_id)
            if as_json:
                today = SystemClock().now().date()
                rows = hub.history(session, connection_id, days=history, today=today)
                print_json(
                    IndicatorsOut(
                        connection_id=connection_id,
                        current=[figure_out(row) for row in current.values()],
                        history=[figure_out(row) for row in rows],
                    )
                )
                return
            if not current:
                typer.echo("not read yet: run `cdlink sync run -s indicators`")
            for name in hub.RULES:
                for source in hub.SOURCES:
                    row = current.get((source, name))
                    if row is None:
                        continue
                    rule = hub.rule_for(row)
                    sign = ">=" if rule.kind == hub.MIN else "<"
                    typer.echo(
                        f"{name:<20} {source:<9} 30 d {_percent(row.value_d30):>9}  "
                        f"60 d {_percent(row.value_d60):>9}  (threshold {sign} "
                        f"{_percent(rule.threshold)}){LEVELS[hub.level(row)]}"
                    )
            if history:
                today = SystemClock().now().date()
                for row in hub.history(session, connection_id, days=history, today=today):
                    typer.echo(
                        f"{row.day}  {row.source:<9} {row.name:<20} "
                        f"{_percent(row.value_d30)} / {_percent(row.value_d60)}"
                    )
    finally:
        database.dispose()
