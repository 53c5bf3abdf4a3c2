"""``cdlink carriers``: a connection's carrier mappings and whether it ships several parcels.

Cdiscount's carriers are read by the ``carriers`` stream (``cdlink sync run -s carriers``); these
commands never call the marketplace.
"""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.hub.orders import carrier_mappings as hub
from cdlink.hub.orders.carriers import carrier_labels
from cdlink.hub.orders.shipments import ONE_PARCEL_RULE, set_several_parcels, several_parcels
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection

app = typer.Typer(help="Carrier mappings (your carrier names → Cdiscount's) and parcels per order.")
CONNECTION = typer.Option(..., "--connection", "-c", help="Connection id or name.")


def _database() -> Database:
    database = Database(load_settings().effective_database_url)
    migrate.ensure_current(database)
    return database


@app.command("list")
@friendly
def list_mappings(
    connection: str = CONNECTION,
    labels: bool = typer.Option(False, "--labels", help="List Cdiscount's carrier labels too."),
) -> None:
    """Your carrier mappings, then cdlink's defaults (marked 'default')."""
    database = _database()
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
            for mapping in hub.mappings(session, connection_id):
                flag = "  (default)" if mapping.default else ""
                link = f"  {mapping.tracking_url_template}" if mapping.tracking_url_template else ""
                typer.echo(f"{mapping.name} → {mapping.carrier_label}{link}{flag}")
            if labels:
                known = carrier_labels(session, connection_id)
                if known is None:
                    typer.echo(
                        "Cdiscount's carriers were never read: run `cdlink sync run -s carriers`."
                    )
                else:
                    typer.echo("Cdiscount's carriers: " + ", ".join(known))
    finally:
        database.dispose()


@app.command("map")
@friendly
def map_carrier(
    connection: str = CONNECTION,
    name: str = typer.Argument(..., help="Your carrier name or code."),
    label: str = typer.Argument(..., help="Cdiscount's carrier label (`list --labels`)."),
    url: str | None = typer.Option(None, help="Tracking link; {tracking} marks the parcel number."),
) -> None:
    """Map one of your carrier names to a Cdiscount carrier (replacing its mapping)."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            kept = [
                mapping
                for mapping in hub.mappings(session, connection_id)
                if not mapping.default and mapping.name != hub.fold(name)
            ]
            hub.replace_mappings(
                session, connection_id, [*kept, hub.Mapping(name, label, url)], SystemClock().now()
            )
        typer.echo(f"{hub.fold(name)} → {label}")
    finally:
        database.dispose()


@app.command("unmap")
@friendly
def unmap_carrier(
    connection: str = CONNECTION,
    name: str = typer.Argument(..., help="Your carrier name or code."),
) -> None:
    """Remove one of your mappings (a default of the same name applies again)."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            kept = [
                mapping
                for mapping in hub.mappings(session, connection_id)
                if not mapping.default and mapping.name != hub.fold(name)
            ]
            hub.replace_mappings(session, connection_id, kept, SystemClock().now())
        typer.echo(f"{hub.fold(name)} unmapped")
    finally:
        database.dispose()


@app.command("parcels")
@friendly
def parcels(
    connection: str = CONNECTION,
    several: bool | None = typer.Option(
        None,
        "--several/--one",
        help="Whether Cdiscount takes several parcels per order for you; omit to show.",
    ),
) -> None:
    """Show or set whether shipments may have several parcels."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            if several is not None:
                set_several_parcels(session, connection_id, several, SystemClock().now())
            now = several_parcels(session, connection_id)
        typer.echo("several parcels per order" if now else ONE_PARCEL_RULE)
    finally:
        database.dispose()
