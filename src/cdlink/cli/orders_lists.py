"""``cdlink orders list``, ``show`` and ``export``: reading orders from the command line, with
the REST API's filters and, with ``--json``, its answers (``cdlink.web.orders.api``'s models).

``list`` prints one page (``--limit``, then ``--cursor`` with the ``next_cursor`` it printed);
``export`` writes the CSV of ``GET /api/v1/orders.csv`` (``--format excel-fr`` for a French
Excel) to a file or standard output. ``cli/main.py`` adds them to ``cdlink orders``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cdlink.cli import orders
from cdlink.cli.context import fail, friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.core.spreadsheets import FORMATS, Format, encode
from cdlink.hub.orders import csv_files, payment_methods
from cdlink.hub.orders.import_filters import ORDER_STATUSES
from cdlink.hub.orders.queries import SORTS, OrderFilter, get_order, list_orders
from cdlink.store.engine import Database
from cdlink.web.orders.api import OrderList, _detail, _summary
from cdlink.web.params import date_bound

STATUS = typer.Option([], "--status", help="A marketplace status; repeatable.")
OUTPUT = typer.Option(None, "--output", "-o", help="The file (standard output if none).")
SINCE = typer.Option(None, "--updated-since", help="Changed at or after (2026-12-05 or ISO).")


def _database() -> Database:
    return Database(load_settings().effective_database_url)


def _filter(
    statuses: list[str], account: int | None, text: str | None, since: str | None
) -> OrderFilter:
    unknown = [status for status in statuses if status not in ORDER_STATUSES]
    if unknown:
        fail(f"unknown status {unknown[0]!r}", "Use one of: " + ", ".join(ORDER_STATUSES))
    zone = load_settings().zone
    return OrderFilter(
        account,
        tuple(statuses),
        text=text or None,
        updated_since=date_bound(since, "updated_since", zone),
    )


@friendly
def list_command(  # noqa: PLR0917  (one option per filter, as the API's)
    status: list[str] = STATUS,
    account: int | None = typer.Option(None, "--account", min=1, help="One account's id."),
    search: str = typer.Option("", "--search", "-q", help="Order id, reference, customer."),
    updated_since: str | None = SINCE,
    sort: str = typer.Option("-purchased_at", help="One of: " + ", ".join(SORTS)),
    page: int = typer.Option(1, min=1, max=1_000_000),
    limit: int = typer.Option(50, min=1, max=200),
    as_json: bool = JSON,
) -> None:
    """Orders, newest purchase first: id, order, status, bought, total, customer."""
    if sort not in SORTS:
        fail(f"cannot sort by {sort!r}", "Use one of: " + ", ".join(SORTS))
    chosen = _filter(status, account, search, updated_since)
    database, now = _database(), SystemClock().now()
    try:
        with database.reading() as session:
            found = list_orders(session, chosen, page=page, page_size=limit, sort=sort)
            labels = payment_methods.all_labels(session)
            items = [_summary(order, labels, now) for order in found.orders]
    finally:
        database.dispose()
    if as_json:
        print_json(
            OrderList(
                items=items,
                total=found.total,
                page=page,
                page_size=limit,
                limit=limit,
                next_cursor=None,
                next=None,
            )
        )
        return
    for item in items:
        bought = f"{item.purchased_at:%Y-%m-%d %H:%M}" if item.purchased_at else "-"
        typer.echo(
            f"{item.id}\t{item.marketplace_order_id}\t{item.status}\t{bought}\t"
            f"{item.total_amount} {item.currency}\t{item.customer_name or ''}"
        )
    more = ", more with --page " + str(page + 1) if found.has_next else ""
    typer.echo(f"{found.total} orders{more}")


@friendly
def show_command(order_id: int = typer.Argument(..., min=1), as_json: bool = JSON) -> None:
    """One order: its lines, history, actions and stock."""
    database = _database()
    try:
        with database.reading() as session:
            detail = _detail(session, get_order(session, order_id), SystemClock().now())
    finally:
        database.dispose()
    if as_json:
        print_json(detail)
        return
    typer.echo(f"{detail.marketplace_order_id}\t{detail.status}\t{detail.customer_name or ''}")
    typer.echo(f"total: {detail.total_amount} {detail.currency}")
    for line in detail.lines:
        typer.echo(f"  {line.line_id}\t{line.quantity} x {line.seller_sku}\t{line.total_amount}")


@friendly
def export_command(
    status: list[str] = STATUS,
    account: int | None = typer.Option(None, "--account", min=1, help="One account's id."),
    updated_since: str | None = SINCE,
    format: str = typer.Option(
        "standard", "--format", help="standard (UTF-8, commas) or excel-fr (Windows-1252, ;)."
    ),
    output: Path | None = OUTPUT,
) -> None:
    """One CSV row per order line (the columns of GET /api/v1/orders.csv)."""
    if format not in FORMATS:
        fail(f"unknown format {format!r}", "Use standard or excel-fr.")
    chosen_format: Format = "excel-fr" if format == "excel-fr" else "standard"
    chosen = _filter(status, account, None, updated_since)
    database, zone = _database(), load_settings().zone
    try:
        with database.reading() as session:
            lines = [list(csv_files.COLUMNS)]
            lines += csv_files.rows(session, chosen, chosen_format, zone)
    finally:
        database.dispose()
    content = encode(lines, chosen_format)
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        output.write_bytes(content)
        typer.echo(f"{len(lines) - 1} order lines written to {output}", err=True)


#: ``cdlink orders``: the commands of ``cdlink.cli.orders`` and the lists above.
orders_app = orders.app
orders_app.command("list")(list_command)
orders_app.command("show")(show_command)
orders_app.command("export")(export_command)
