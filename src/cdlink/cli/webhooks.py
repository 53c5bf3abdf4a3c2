"""``cdlink webhooks``: subscriptions, their deliveries log, a replay and a test event, for
scripts (``--json`` prints the REST API's shapes). Deliveries are sent by the ``webhooks`` stream
of a running cdlink (``cdlink serve`` or ``cdlink worker``); only a test event with no active
connection to run that stream is sent by ``cdlink webhooks test`` itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import BaseModel

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.core.secret_box import SecretBox
from cdlink.hub.webhooks import deliveries as hub_deliveries
from cdlink.hub.webhooks import subscriptions as hub
from cdlink.hub.webhooks.events import EVENT_TYPES
from cdlink.store import migrate
from cdlink.store.engine import Database
from cdlink.sync.webhooks import direct
from cdlink.web.webhooks.api import CreatedOut, delivery_out, out

app = typer.Typer(help="Outgoing webhooks: signed events sent to other systems' URLs.")
SOME_EVENTS = typer.Option(None, "--event", "-e", help="The new event types (repeat it).")
EVENTS = typer.Option(
    ..., "--event", "-e", help="An event type (repeat it); `cdlink webhooks events` lists them."
)


@contextmanager
def _database() -> Iterator[Database]:
    database = Database(load_settings().effective_database_url)
    try:
        migrate.ensure_current(database)
        yield database
    finally:
        database.dispose()


def _line(item: BaseModel) -> str:
    values = item.model_dump()
    return (
        f"{values['id']}  {values['state']:<7} {values['url']}  {','.join(values['event_types'])}"
    )


@app.command("events")
@friendly
def events(as_json: bool = JSON) -> None:
    """The event types a webhook may subscribe to."""
    if as_json:
        print_json(EVENT_TYPES)
        return
    for name, description in EVENT_TYPES.items():
        typer.echo(f"{name:<30} {description}")


@app.command("list")
@friendly
def list_webhooks(as_json: bool = JSON) -> None:
    """Every webhook (never its secret)."""
    with _database() as database, database.reading() as session:
        found = [out(item) for item in hub.subscriptions(session)]
    if as_json:
        print_json(found)
        return
    for item in found:
        typer.echo(_line(item))


@app.command("create")
@friendly
def create(
    url: str = typer.Argument(..., help="The receiver's http(s) URL."),
    event_types: list[str] = EVENTS,
    description: str = typer.Option("", "--description", "-d", max=200),
    as_json: bool = JSON,
) -> None:
    """Create a webhook; prints its signing secret, this once only."""
    settings = load_settings()
    with _database() as database, database.session() as session:
        created = hub.create(
            session,
            SecretBox.from_settings(settings),
            url=url,
            event_types=event_types,
            description=description,
            allow_private=settings.webhook_allow_private_hosts,
            now=SystemClock().now(),
        )
        shown = CreatedOut(**out(created.subscription).model_dump(), secret=created.secret)
    if as_json:
        print_json(shown)
        return
    typer.echo(_line(shown))
    typer.echo(f"signing secret (shown once, keep it): {shown.secret}")


@app.command("update")
@friendly
def update(  # noqa: PLR0917  (the options)
    webhook_id: int = typer.Argument(..., min=1),
    url: str | None = typer.Option(None, "--url"),
    event_types: list[str] | None = SOME_EVENTS,
    description: str | None = typer.Option(None, "--description", "-d"),
    state: str | None = typer.Option(None, "--state", help="active (resume) or paused."),
    as_json: bool = JSON,
) -> None:
    """Change a webhook's URL, events, description or state."""
    settings = load_settings()
    with _database() as database, database.session() as session:
        found = out(
            hub.update(
                session,
                webhook_id,
                url=url,
                event_types=event_types or None,
                description=description,
                state=state,
                allow_private=settings.webhook_allow_private_hosts,
                now=SystemClock().now(),
            )
        )
    print_json(found) if as_json else typer.echo(_line(found))


@app.command("delete")
@friendly
def delete(webhook_id: int = typer.Argument(..., min=1)) -> None:
    """Delete a webhook with its deliveries log."""
    with _database() as database, database.session() as session:
        hub.delete(session, webhook_id)
    typer.echo(f"webhook {webhook_id} deleted")


@app.command("deliveries")
@friendly
def deliveries(
    webhook_id: int = typer.Argument(..., min=1),
    limit: int = typer.Option(50, "--limit", min=1, max=200),
    as_json: bool = JSON,
) -> None:
    """The webhook's deliveries, newest first, with their last attempt."""
    with _database() as database, database.reading() as session:
        found = [
            delivery_out(view)
            for view in hub_deliveries.deliveries(session, webhook_id, limit=limit)
        ]
    if as_json:
        print_json(found)
        return
    for item in found:
        last = item.log[0] if item.log else None
        answer = f"{last.status or 'no answer'} in {last.duration_ms} ms" if last else "-"
        typer.echo(
            f"{item.id}  {item.state:<9} {item.event_type:<28} {item.attempts} attempt(s)  {answer}"
        )


@app.command("replay")
@friendly
def replay(
    webhook_id: int = typer.Argument(..., min=1), delivery_id: int = typer.Argument(..., min=1)
) -> None:
    """Send a delivery again (same webhook-id), through the running cdlink's stream."""
    with _database() as database, database.session() as session:
        hub_deliveries.replay(session, webhook_id, delivery_id, SystemClock().now())
    typer.echo(f"delivery {delivery_id} queued again")


@app.command("test")
@friendly
def send_test(webhook_id: int = typer.Argument(..., min=1)) -> None:
    """A webhook.test event for this webhook only: queued for the running cdlink, or sent now
    when no connection is active to run the webhooks stream."""
    settings, clock = load_settings(), SystemClock()
    with _database() as database:
        with database.session() as session:
            recorded = hub.send_test(session, webhook_id, clock.now())
        if recorded.queued:
            typer.echo(f"test event queued for webhook {webhook_id}")
            return
        box = SecretBox.from_settings(settings)
        outcome = direct.deliver(database, box, settings, clock, recorded.delivery_id)
    if outcome is None or not outcome.succeeded:
        answer = "no attempt" if outcome is None else outcome.status or outcome.excerpt
        typer.echo(f"test event sent to webhook {webhook_id}: failed ({answer})", err=True)
        raise typer.Exit(1)
    typer.echo(f"test event sent to webhook {webhook_id}: {outcome.status}")
