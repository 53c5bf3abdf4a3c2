"""``cdlink notifications``: deadline notifications, and marking them read."""

from __future__ import annotations

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.hub.orders import notifications as hub
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection
from cdlink.web.orders.notifications_api import NotificationOut

app = typer.Typer(help="Deadline notifications (raised by the deadline_alerts stream).")


def _database() -> Database:
    database = Database(load_settings().effective_database_url)
    migrate.ensure_current(database)
    return database


@app.command("list")
@friendly
def list_notifications(
    unread: bool = typer.Option(False, "--unread", help="Only those not read yet."),
    as_json: bool = JSON,
) -> None:
    """The last 100 notifications, newest first."""
    database = _database()
    try:
        with database.reading() as session:
            found = hub.notifications(session, unread_only=unread)
            if as_json:
                items = [
                    NotificationOut.model_validate(item, from_attributes=True) for item in found
                ]
                print_json({"items": items})
                return
            for item in found:
                mark = " " if item.read_at else "*"
                typer.echo(f"{mark} {item.id}  {item.created_at:%Y-%m-%d %H:%M}  {item.title}")
    finally:
        database.dispose()


@app.command("read")
@friendly
def read(notification_id: int = typer.Argument(..., min=1, help="The notification's id.")) -> None:
    """Mark one notification read."""
    database = _database()
    try:
        with database.session() as session:
            hub.mark_read(session, notification_id, SystemClock().now())
        typer.echo(f"notification {notification_id} read")
    finally:
        database.dispose()


@app.command("read-all")
@friendly
def read_all() -> None:
    """Mark every notification read."""
    database = _database()
    try:
        with database.session() as session:
            count = hub.mark_all_read(session, SystemClock().now())
        typer.echo(f"{count} notification(s) marked read")
    finally:
        database.dispose()


@app.command("hours")
@friendly
def hours(
    connection: str = typer.Option(..., "--connection", "-c", help="Connection id or name."),
    lead_times: str = typer.Argument(
        "", help="Hours before a deadline, e.g. 12,2 (omitted: show them)."
    ),
) -> None:
    """Show or set how many hours before a deadline the notifications come."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            if lead_times:
                wanted = hub.parse_hours(lead_times.replace(" ", ""))
                hub.set_alert_hours(session, connection_id, wanted, SystemClock().now())
            shown = hub.alert_hours(session, connection_id)
        typer.echo(", ".join(f"{hour} h" for hour in shown))
    finally:
        database.dispose()
