"""``cdlink discussions``: the customer service inbox from the command line.

``list`` and ``show`` read what the discussions stream imported; ``reply`` and ``close`` are
recorded and queued (``cdlink.sync.customer_service.actions``) and the sync engine sends them
(``cdlink serve``, ``cdlink worker``, or ``cdlink sync run -s customer_service_actions``). A reply
breaking a rule (13 to 5,000 characters, at most 3 attachments of 4 MB) is refused before
anything is recorded.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cdlink.cli.context import friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.hub.customer_service import actions as cs_actions
from cdlink.hub.customer_service import queries
from cdlink.hub.customer_service.rules import MAX_ATTACHMENT_BYTES, Attachment
from cdlink.store.engine import Database
from cdlink.sync.customer_service.actions import request_close, request_reply
from cdlink.web.customer_service.api import action_out, summary

app = typer.Typer(help="Customer discussions and claims: list, show, reply, close.")

VIEW = typer.Option(
    "open", "--view", help="open, claims, to_treat, waiting_customer, overdue or all."
)
ATTACH = typer.Option([], "--attach", help="A file to attach (at most 3); repeatable.")


def _database() -> Database:
    return Database(load_settings().effective_database_url)


@app.command("list")
@friendly
def list_command(
    view: str = VIEW, limit: int = typer.Option(50, min=1, max=1000), as_json: bool = JSON
) -> None:
    """The inbox, the most urgent first: id, graduation, order, due time, risk, subject."""
    if view not in queries.FILTERS:
        raise typer.BadParameter(f"choose one of {', '.join(queries.FILTERS)}", param_hint="--view")
    database = _database()
    now = SystemClock().now()
    try:
        with database.reading() as session:
            found = queries.inbox(session, queries.InboxFilter(view=view), now, limit=limit)
            if as_json:
                order_ids = queries.order_ids(session, found)
                print_json({"items": [summary(item, order_ids, now) for item in found]})
                return
            for item in found:
                timers = queries.timers(item, now)
                due = timers.due_at.strftime("%Y-%m-%d %H:%M") if timers.due_at else "-"
                typer.echo(
                    f"{item.id}\t{item.graduation or '-'}\t{item.marketplace_order_id or '-'}\t"
                    f"{'open' if item.is_open else 'closed'}\tdue {due}\trisk {timers.risk}\t"
                    f"{item.subject or ''}"
                )
            if not found:
                typer.echo("no discussion in this view")
    finally:
        database.dispose()


@app.command("show")
@friendly
def show(discussion_id: int = typer.Argument(..., min=1)) -> None:
    """One discussion: its order, status, every message and the actions asked."""
    database = _database()
    try:
        with database.reading() as session:
            item = queries.get(session, discussion_id)
            typer.echo(f"discussion {item.id} ({item.marketplace_discussion_id}): {item.subject}")
            typer.echo(
                f"order {item.marketplace_order_id or '-'}, {item.graduation or 'Discussion'}, "
                f"{'open' if item.is_open else 'closed'}, assigned to {item.assigned_to or '-'}"
            )
            for message in item.messages:
                sent = message.sent_at.strftime("%Y-%m-%d %H:%M")
                typer.echo(f"\n[{sent}] {message.sender_type or '?'}:\n{message.body}")
            for action in queries.actions_of(session, discussion_id=item.id):
                typer.echo(
                    f"\naction {action.id}: {action.kind} {action.state} {action.outcome or ''}"
                )
    finally:
        database.dispose()


@app.command("reply")
@friendly
def reply(
    discussion_id: int = typer.Argument(..., min=1),
    body: str = typer.Argument(..., help="13 to 5,000 characters."),
    attach: list[Path] = ATTACH,
) -> None:
    """Record a reply to the customer; the sync engine sends it."""
    files = [_read(path) for path in attach]
    database = _database()
    try:
        with database.session() as session:
            action = request_reply(
                session,
                queries.get(session, discussion_id),
                body,
                files,
                requested_by="cli",
                now=SystemClock().now(),
            )
            action_id = action.id
    finally:
        database.dispose()
    typer.echo(f"reply recorded (action {action_id}); the sync engine sends it")


@app.command("close")
@friendly
def close(discussion_id: int = typer.Argument(..., min=1)) -> None:
    """Record the closing of a discussion; the sync engine sends it."""
    database = _database()
    try:
        with database.session() as session:
            action = request_close(
                session,
                queries.get(session, discussion_id),
                requested_by="cli",
                now=SystemClock().now(),
            )
            action_id = action.id
    finally:
        database.dispose()
    typer.echo(f"close recorded (action {action_id}); the sync engine sends it")


def _read(path: Path) -> Attachment:
    with path.open("rb") as file:
        # One byte past the limit is enough to refuse it: the rest is never read.
        return Attachment(path.name, file.read(MAX_ATTACHMENT_BYTES + 1))


def _actions(kind: str, limit: int, as_json: bool) -> None:
    database = _database()
    try:
        with database.reading() as session:
            found = [
                action_out(item) for item in queries.actions_by_kind(session, (kind,), limit=limit)
            ]
    finally:
        database.dispose()
    if as_json:
        print_json({"items": found})
        return
    for item in found:
        typer.echo(
            f"{item.id}\t{item.requested_at:%Y-%m-%d %H:%M}\t{item.state}\torder {item.order_id}"
            f"\t{item.amount or ''}\t{item.outcome or ''}"
        )


@app.command("refunds")
@friendly
def refunds(limit: int = typer.Option(50, min=1, max=1000), as_json: bool = JSON) -> None:
    """The refunds asked, newest first: id, when, state, order, amount, outcome."""
    _actions(cs_actions.REFUND, limit, as_json)


@app.command("gestures")
@friendly
def gestures(limit: int = typer.Option(50, min=1, max=1000), as_json: bool = JSON) -> None:
    """The commercial gestures given, newest first: id, when, state, order, amount, outcome."""
    _actions(cs_actions.GESTURE, limit, as_json)
