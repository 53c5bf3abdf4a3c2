"""``cdlink stock``: see and change stock from a terminal, as the Stock page and the stock API do.

The commands go through the same hub code as the page and the API: ``hub.stock_queries`` reads
the rows, ``Inventory`` with ``sync.stock.publish_to_outbox`` writes them (each change queues
its push to every stock-synced connection in the same transaction; the sync engine sends it:
``cdlink serve``, ``cdlink worker``, or ``cdlink sync run -s stock``), and ``hub.stock_csv``
reads and writes the CSV file of counts, all or nothing. A refused change or a bad file stops
the command with exit code 1 and nothing written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import typer
from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.hub.stock import csv_files as stock_csv
from cdlink.hub.stock.inventory import Inventory
from cdlink.hub.stock.queries import (
    ConnectionStock,
    StockFilter,
    StockPage,
    StockRow,
    get_stock,
    list_stock,
    stock_connections,
)
from cdlink.hub.stock.warehouses import list_warehouses
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection
from cdlink.sync.stock.pusher import publish_to_outbox
from cdlink.web.stock.warehouses_api import WarehouseOut

app = typer.Typer(
    help="Stock: show levels and pushes per SKU, set or adjust a level, import or export counts "
    "as CSV."
)

#: As the REST API's ``reason`` (and the journal's column).
MAXIMUM_REASON = 40
#: As the REST API's upload, so a file the API refuses is refused here too.
#: A negative number after the SKU is a value (``adjust SKU -2``), not an unknown option.
WRITES = {"ignore_unknown_options": True}

WAREHOUSE = typer.Option(..., "--warehouse", "-w", help="The warehouse's code, e.g. PARIS.")
JSON = typer.Option(False, "--json", help="Print JSON, in the REST API's shape, not a table.")
OUTPUT = typer.Option(
    None, "--output", "-o", help="Write to this file instead of the standard output."
)


@app.command("show")
@friendly
def show(  # noqa: PLR0917  (one argument per filter, as the API's)
    sku: str | None = typer.Argument(None, help="One SKU; omit it to list SKUs."),
    search: str | None = typer.Option(
        None, "--search", "-q", help="Only SKUs with this text in the SKU, title or EAN."
    ),
    warehouse: str | None = typer.Option(
        None, "--warehouse", "-w", help="Only SKUs stocked in this warehouse (code)."
    ),
    connection: str | None = typer.Option(
        None, "--connection", "-c", help="Only SKUs offered on or pushed to this connection."
    ),
    failed: bool = typer.Option(False, "--failed", help="Only SKUs whose last push was refused."),
    page: int = typer.Option(1, help="Page of the list, from 1."),
    page_size: int = typer.Option(50, help="SKUs per page (at most 200)."),
    as_json: bool = JSON,
) -> None:
    """Stock per SKU: on hand per warehouse, reserved; per connection available, push, state."""
    if sku is not None and (search or warehouse or connection or failed):
        fail("a SKU and filters cannot be given together", "Give a SKU, or filters to list SKUs.")
    settings = load_settings()
    database = Database(settings.effective_database_url)
    now = SystemClock().now()
    try:
        with database.reading() as session:
            if sku is not None:
                row = get_stock(session, sku, now)
            else:
                stock_filter = _filter(session, search, warehouse, connection, failed=failed)
                found = list_stock(session, stock_filter, now, page=page, page_size=page_size)
    finally:
        database.dispose()
    if sku is not None:
        _print_row(row, settings.zone, as_json=as_json)
    elif as_json:
        _print_json(_list_json(found))
    else:
        for line in _page_table(found, settings.zone):
            typer.echo(line)


def _filter(
    session: Session,
    search: str | None,
    warehouse: str | None,
    connection: str | None,
    *,
    failed: bool,
) -> StockFilter:
    connection_id = find_connection(session, connection).id if connection else None
    return StockFilter(
        text=search or None,
        warehouse=warehouse or None,
        connection_id=connection_id,
        failed_only=failed,
    )


@app.command("set", context_settings=WRITES)
@friendly
def set_level(
    sku: str = typer.Argument(..., help="The SKU."),
    quantity: int = typer.Argument(..., help="Units on hand after the count (0 or more)."),
    warehouse: str = WAREHOUSE,
    reason: str = typer.Option("cli", help="Why, for the journal (at most 40 characters)."),
    as_json: bool = JSON,
) -> None:
    """Set the units on hand of a SKU in a warehouse (a count); its push is queued."""
    why = _reason(reason)
    row, zone = _write(sku, lambda stock: stock.set_on_hand(sku, warehouse, quantity, why))
    _print_change(row, zone, f"{sku} in {warehouse}: {row.on_hand[warehouse]} on hand", as_json)


@app.command("adjust", context_settings=WRITES)
@friendly
def adjust_level(
    sku: str = typer.Argument(..., help="The SKU."),
    delta: int = typer.Argument(..., help="Units added (+3 or 3) or removed (-2)."),
    warehouse: str = WAREHOUSE,
    reason: str = typer.Option(..., help="Why, for the journal (at most 40 characters)."),
    as_json: bool = JSON,
) -> None:
    """Add or remove units of a SKU in a warehouse; refuses to go below zero."""
    why = _reason(reason)
    row, zone = _write(sku, lambda stock: stock.adjust_on_hand(sku, warehouse, delta, why))
    summary = f"{sku} in {warehouse}: {delta:+d}, {row.on_hand[warehouse]} on hand"
    _print_change(row, zone, summary, as_json)


def _reason(reason: str) -> str:
    """The reason as the API accepts it: 1 to 40 characters."""
    why = reason.strip()
    if not why or len(why) > MAXIMUM_REASON:
        fail(
            f"the reason must be 1 to {MAXIMUM_REASON} characters, not {len(why)}",
            "Give a short reason, e.g. --reason count.",
        )
    return why


def _write(sku: str, change: Callable[[Inventory], object]) -> tuple[StockRow, ZoneInfo]:
    """Apply ``change`` in one transaction (its pushes queued in it); the SKU's row after it."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    clock = SystemClock()
    try:
        with database.session() as session:
            change(Inventory(session, clock, publish_to_outbox))
            session.flush()
            row = get_stock(session, sku, clock.now())
    finally:
        database.dispose()
    return row, settings.zone


def _print_change(row: StockRow, zone: ZoneInfo, summary: str, as_json: bool) -> None:
    if as_json:
        _print_json(_row_json(row))
        return
    typer.echo(f"{summary}; {_pushes(sum(cell.stock_sync_enabled for cell in row.connections))}")
    for line in _table([row], sorted(row.on_hand), zone):
        typer.echo(line)


def _pushes(synced: int) -> str:
    if synced == 0:
        return "no connection has stock sync on: nothing is pushed"
    return f"push queued for {synced} connection(s) (the sync engine sends it)"


@app.command("import")
@friendly
def import_file(
    path: str = typer.Argument(..., help="A CSV file sku,warehouse,quantity ('-': stdin)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every line and write nothing."),
) -> None:
    """Apply a CSV file of counts, all or nothing: any bad line is named and nothing is written."""
    try:
        applied, synced = _import(stock_csv.decode(_read(path)), dry_run=dry_run)
    except stock_csv.InvalidStockFileError as error:
        _report(error)
    if dry_run:
        typer.echo(f"{applied} line(s) can be applied; nothing was written (--dry-run)")
    else:
        typer.echo(
            f"{applied} line(s) applied; {_pushes(synced) if applied else 'nothing to push'}"
        )


def _import(text: str, *, dry_run: bool) -> tuple[int, int]:
    """The lines applied (or, dry, that would be), and the connections with stock sync on."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.reading() if dry_run else database.session() as session:
            stock = Inventory(session, SystemClock(), publish_to_outbox)
            if dry_run:
                applied = len(stock_csv.read_counts(text, stock))
            else:
                applied = stock_csv.upload(text, stock)
            synced = sum(found.stock_sync_enabled for found in stock_connections(session))
    finally:
        database.dispose()
    return applied, synced


def _read(path: str) -> bytes:
    """At most one byte more than the limit, from the file or the standard input."""
    if path == "-":
        return sys.stdin.buffer.read(stock_csv.MAXIMUM_FILE_BYTES + 1)
    file = Path(path)
    if not file.is_file():
        fail(f"no file {path!r}", "Check the path; export a sample with `cdlink stock export`.")
    with file.open("rb") as opened:
        return opened.read(stock_csv.MAXIMUM_FILE_BYTES + 1)


def _report(error: stock_csv.InvalidStockFileError) -> NoReturn:
    """Every bad line, one a line (the page shows them all too); exit 1."""
    lines = [f"  line {problem.line}: {problem.message}" for problem in error.problems]
    count = len(error.problems)
    fail("\n".join([f"the file was not applied: {count} problem(s)", *lines]), error.hint)
    raise typer.Exit(1)  # unreachable: fail() exits


@app.command("export")
@friendly
def export(
    output: Path | None = OUTPUT,
) -> None:
    """Every stock level as CSV sku,warehouse,quantity: the file `stock import` reads back."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.reading() as session:
            text = stock_csv.export(Inventory(session, SystemClock(), publish_to_outbox))
    finally:
        database.dispose()
    if output is None:
        typer.echo(text, nl=False)
        return
    with output.open("w", encoding="utf-8", newline="") as written:
        written.write(text)
    typer.echo(f"{text.count(chr(10)) - 1} stock level(s) exported to {output}")


def _print_row(row: StockRow, zone: ZoneInfo, *, as_json: bool) -> None:
    if as_json:
        _print_json(_row_json(row))
        return
    for line in _table([row], sorted(row.on_hand), zone):
        typer.echo(line)


def _page_table(found: StockPage, zone: ZoneInfo) -> list[str]:
    if not found.rows:
        if found.total:
            return [f"page {found.page} is after the last one ({found.pages})"]
        return ["no SKU matches"]
    codes = [warehouse.code for warehouse in found.warehouses]
    footer = f"page {found.page} of {found.pages} ({found.total} SKU(s))"
    return [*_table(found.rows, codes, zone), footer]


def _table(rows: list[StockRow], codes: list[str], zone: ZoneInfo) -> list[str]:
    """A line per SKU (on hand per warehouse, reserved, title), then one per connection."""
    names = [_name(cell) for row in rows[:1] for cell in row.connections]
    width = max([10, *(len(row.sku) for row in rows), *(len(name) + 2 for name in names)])
    warehouses = "".join(f" {code:>8}" for code in codes)
    lines = [
        f"{'SKU':<{width}}{warehouses} {'reserved':>8}  title",
        f"  {'connection':<{width - 2}} {'buffer':>8} {'available':>9} {'Cdiscount':>9}  "
        f"{'state':<9} last push",
    ]
    for row in rows:
        levels = "".join(f" {_number(row.on_hand.get(code)):>8}" for code in codes)
        lines.append(f"{row.sku:<{width}}{levels} {row.reserved:>8}  {row.title}")
        lines.extend(_connection_line(cell, width, zone) for cell in row.connections)
    return lines


def _name(cell: ConnectionStock) -> str:
    return f"{cell.connection_id} {cell.connection_name}"


def _connection_line(cell: ConnectionStock, width: int, zone: ZoneInfo) -> str:
    return (
        f"  {_name(cell):<{width - 2}} {cell.buffer:>8} {cell.available:>9} "
        f"{_number(cell.cdiscount_quantity):>9}  {cell.state:<9} {_last_push(cell, zone)}"
    ).rstrip()


def _last_push(cell: ConnectionStock, zone: ZoneInfo) -> str:
    if cell.pushed_at is None:
        pushed = "never"
    else:
        pushed = f"{cell.pushed_quantity} at {_time(cell.pushed_at, zone)}, {cell.push_outcome}"
        if cell.push_reason:
            pushed = f"{pushed}: {cell.push_reason}"
    if cell.waiting_since is not None:
        pushed = f"{pushed} (next waiting since {_time(cell.waiting_since, zone)})"
    return pushed


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def _time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _row_json(row: StockRow) -> dict[str, object]:
    """The REST API's ``StockOut``, field for field, so a script reads both alike."""
    return {
        "sku": row.sku,
        "title": row.title,
        "ean": row.ean,
        "on_hand": row.on_hand,
        "total_on_hand": row.total_on_hand,
        "reserved": row.reserved,
        "connections": [_connection_json(cell) for cell in row.connections],
    }


def _connection_json(cell: ConnectionStock) -> dict[str, object]:
    last_push = None
    if cell.pushed_at is not None:
        last_push = {
            "quantity": cell.pushed_quantity,
            "at": cell.pushed_at,
            "outcome": cell.push_outcome,
            "reason": cell.push_reason,
        }
    return {
        "connection_id": cell.connection_id,
        "connection_name": cell.connection_name,
        "stock_sync_enabled": cell.stock_sync_enabled,
        "buffer": cell.buffer,
        "available": cell.available,
        "cdiscount_quantity": cell.cdiscount_quantity,
        "cdiscount_seen_at": cell.cdiscount_seen_at,
        "last_push": last_push,
        "waiting_since": cell.waiting_since,
        "state": cell.state,
    }


def _list_json(found: StockPage) -> dict[str, object]:
    """The REST API's ``StockList``."""
    return {
        "items": [_row_json(row) for row in found.rows],
        "total": found.total,
        "page": found.page,
        "page_size": found.page_size,
    }


def _print_json(payload: dict[str, object]) -> None:
    typer.echo(json.dumps(to_jsonable_python(payload), ensure_ascii=False, indent=2))


@app.command("warehouses")
@friendly
def warehouses_command(as_json: bool = JSON) -> None:
    """The warehouses by code, with the connections that sell from them."""
    database = Database(load_settings().effective_database_url)
    try:
        with database.reading() as session:
            found = [
                WarehouseOut.model_validate(summary, from_attributes=True)
                for summary in list_warehouses(session)
            ]
    finally:
        database.dispose()
    if as_json:
        _print_json({"items": [item.model_dump(mode="json") for item in found]})
        return
    for item in found:
        typer.echo(f"{item.code}\t{item.name}")
