"""``cdlink orders``: the acceptance policy of a connection, and actions on one order (ship too).

Actions are recorded and queued (``cdlink.sync.orders.actions.request_action``); the sync engine
sends them (``cdlink serve``, ``cdlink worker``, or ``cdlink sync run -s order_actions``).
"""

from __future__ import annotations

import typer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cdlink.cli import import_history
from cdlink.cli.context import fail, friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.hub.orders import actions as order_actions
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.store.engine import Database
from cdlink.store.models import Order
from cdlink.sync.engine.connections import find_connection
from cdlink.sync.orders import backlog
from cdlink.sync.orders.actions import request_action
from cdlink.sync.orders.history import request_history_import

app = typer.Typer(
    help="Orders: import history, the acceptance policy, and accept, refuse, ship, cancel or "
    "re-sync one."
)

CONNECTION = typer.Option(..., "--connection", "-c", help="Connection id or name.")
LINES = typer.Option([], help="A line id to cancel (cancel_lines); repeatable.")
PARCELS = typer.Option(
    [],
    "--parcel",
    help="A parcel as CARRIER=TRACKING or CARRIER=TRACKING@LINE,LINE (its lines); "
    "repeatable. Cdiscount takes one parcel per complete order unless the connection "
    "allows several (`cdlink carriers parcels --several`).",
)


@app.command("policy")
@friendly
def policy(
    connection: str = CONNECTION,
    choice: str | None = typer.Argument(
        None, help="manual, in_stock (accept when stock covers the order) or always; omit to show."
    ),
    auto_refuse: bool | None = typer.Option(
        None,
        "--auto-refuse/--no-auto-refuse",
        help="With in_stock: refuse the new orders stock does not cover (else the seller "
        "decides). Never for a SKU whose stock was never entered.",
    ),
    refuse_backlog: bool | None = typer.Option(
        None,
        "--refuse-backlog/--keep-backlog",
        help="When switching automatic refusal on: also refuse the orders already waiting that "
        "the stock does not cover, or leave them to the seller. Omitted: asks, after showing "
        "how many (no answer: they are left waiting).",
    ),
) -> None:
    """Show or set how orders waiting for acceptance are handled."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    clock = SystemClock()
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
            current = order_actions.acceptance_policy(session, connection_id)
            waiting = len(backlog.preview(session, connection_id, clock))
        changing = choice is not None or auto_refuse is not None
        wanted = order_actions.AcceptancePolicy(
            choice or current.acceptance,
            current.auto_refuse if auto_refuse is None else auto_refuse,
        )
        refuse = False
        if changing and wanted.refuses and (refuse_backlog or not current.refuses):
            refuse = _refuse_backlog(waiting, refuse_backlog)
        if changing:
            with database.session() as session:
                current = order_actions.set_acceptance_policy(
                    session, connection_id, wanted.acceptance, clock.now(), auto_refuse=auto_refuse
                )
                refused = backlog.refuse_backlog(session, connection_id, clock) if refuse else 0
            if refuse:
                typer.echo(
                    f"{refused} waiting order(s) refused; the sync engine sends the refusals"
                )
    finally:
        database.dispose()
    refusal = "on" if current.auto_refuse else "off"
    typer.echo(f"acceptance: {current.acceptance}, automatic refusal: {refusal}")


def _refuse_backlog(waiting: int, choice: bool | None) -> bool:
    """Whether to refuse the waiting orders too: the option, else the seller's answer."""
    if waiting == 0:
        return False
    typer.echo(
        f"{waiting} order(s) already waiting for acceptance would be refused now "
        "(the stock does not cover them)."
    )
    if choice is None:
        try:
            choice = typer.confirm("Refuse them now too?", default=False)
        except typer.Abort:  # no answer (no terminal, end of input): keep them
            choice = False
    if not choice:
        typer.echo("They are left waiting for you; only new orders are refused automatically.")
    return choice


@app.command("act")
@friendly
def act(
    connection: str = CONNECTION,
    order: str = typer.Argument(..., help="The marketplace order id or reference."),
    kind: str = typer.Argument(..., help="accept, refuse, cancel, cancel_lines or resync."),
    reason: str | None = typer.Option(None, help="Cancellation reason code, e.g. CustomerRequest."),
    line: list[str] = LINES,
) -> None:
    """Record an action on one order; the sync engine sends it and records the outcome."""
    payload: dict[str, object] = {"reason": reason} if reason else {}
    if line:
        payload["lines"] = line
    _record(connection, order, kind, payload)


@app.command("ship")
@friendly
def ship(  # noqa: PLR0917  (typer options)
    connection: str = CONNECTION,
    order: str = typer.Argument(..., help="The marketplace order id or reference."),
    carrier: str | None = typer.Option(
        None, help="One parcel for the whole order: its carrier (a mapped name or label)."
    ),
    tracking: str | None = typer.Option(None, help="One parcel: its tracking number."),
    url: str | None = typer.Option(None, help="One parcel: its tracking page (optional)."),
    parcel: list[str] = PARCELS,
) -> None:
    """Mark an in-preparation order shipped; the sync engine declares the parcels."""
    payload: dict[str, object]
    if parcel:
        payload = {"parcels": [_parcel(text) for text in parcel]}
    elif carrier and tracking:
        payload = {"carrier": carrier, "tracking_number": tracking}
        if url:
            payload["tracking_url"] = url
    else:
        fail(
            "a shipment needs --carrier and --tracking, or one --parcel per parcel",
            hint="For example: --parcel colissimo=6A123 (or --parcel dpd=X1@1 --parcel gls=Y2@2).",
        )
    _record(connection, order, order_actions.SHIP, payload)


def _parcel(text: str) -> dict[str, object]:
    carrier, _, rest = text.partition("=")
    tracking, _, lines = rest.partition("@")
    parcel: dict[str, object] = {"carrier": carrier.strip(), "tracking_number": tracking.strip()}
    if lines.strip():
        parcel["lines"] = [line.strip() for line in lines.split(",") if line.strip()]
    return parcel


def _record(connection: str, order: str, kind: str, payload: dict[str, object]) -> None:
    """Record the action on the order (found by id or reference); the sync engine sends it."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            found = _find_order(session, find_connection(session, connection).id, order)
            action = request_action(
                session, found, kind, payload, requested_by="cli", now=SystemClock().now()
            )
            action_id = action.id
    finally:
        database.dispose()
    typer.echo(f"{kind} recorded (action {action_id}); the sync engine sends it")


def _find_order(session: Session, connection_id: int, order: str) -> Order:
    query = select(Order).where(
        Order.connection_id == connection_id,
        or_(Order.marketplace_order_id == order, Order.reference == order),
    )
    found = session.scalars(query).first()
    if found is None:
        fail(f"no order {order!r} on this connection", "Check the id; `sync run` imports.")
        raise typer.Exit(1)
    return found


@app.command("import-history")
@friendly
def import_history_command(
    connection: str = CONNECTION,
    first: str = typer.Option(..., "--from", help="First purchase day, YYYY-MM-DD."),
    last: str = typer.Option(..., "--to", help="Last purchase day, YYYY-MM-DD (included)."),
    customers: bool = typer.Option(
        True, "--customers/--no-customers", help="Keep customers' names, e-mails, addresses."
    ),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="Run it here with a progress bar (default), or only queue."
    ),
) -> None:
    """Import the orders bought on these days (or resume the unfinished import of them)."""
    first_day = import_history.parse_day(first, "--from")
    last_day = import_history.parse_day(last, "--to")
    settings = load_settings()
    database = Database(settings.effective_database_url)
    clock = SystemClock()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            record = request_history_import(
                session,
                connection_id,
                first_day,
                last_day,
                customers=customers,
                requested_by="cli",
                now=clock.now(),
            )
            import_id, resumed = record.id, record.done > 0
        typer.echo(f"import {import_id}: " + ("resumed" if resumed else "queued"))
        if not wait:
            return
        environment = JobEnvironment(
            settings, database, clock, clients=in_process_clients(settings, clock)
        )
        state = import_history.follow(environment, clock, import_id, connection_id)
        record = import_history.read(environment, import_id)
    finally:
        database.dispose()
    typer.echo(f"import {import_id}: {state}, {record.done} orders read, {record.imported} new")
    if state != "done":
        fail(
            record.error or state, "Resume it with the same command, or on the Import history page."
        )
