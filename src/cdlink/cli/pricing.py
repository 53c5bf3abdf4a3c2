"""``cdlink prices`` and ``cdlink promotions``: prices and promotions from a terminal.

The commands go through the same hub code as the pages and the API: ``PriceBook`` with
``publish_price_to_outbox`` (a price change queues its push, or is held by a guard),
``Promotions`` (checked against Cdiscount's rules before anything is recorded), the price CSV
(all or nothing). The sync engine sends what is queued (``cdlink serve``, ``cdlink worker``).
A refused change stops the command with exit code 1 and nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

import typer
from pydantic_core import to_jsonable_python

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.core.clock import SystemClock
from cdlink.hub.pricing import csv_files as price_csv
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.promotions import Promotions
from cdlink.hub.pricing.queries import PriceRow, get_price, items_of, list_prices, list_promotions
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection
from cdlink.sync.pricing.promotions import wake_promotions
from cdlink.sync.pricing.publish import publish_price_to_outbox

prices_app = typer.Typer(
    help="Prices per connection: show, set, guards, held prices, CSV import and export."
)
promotions_app = typer.Typer(help="Sales and flash sales: list, create, stop, retry.")
CONNECTION = typer.Option(..., "--connection", "-c", help="The connection's id or name.")
JSON = typer.Option(False, "--json", help="Print JSON, not a table.")
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file.")
SKUS = typer.Argument(..., help="The SKUs of the promotion.")
T = TypeVar("T")


def _amount(text: str | None, what: str) -> Decimal | None:
    if text is None or text.strip() == "":
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        fail(f"{what} {text!r} is not an amount", "Write euros with a dot, e.g. 19.99.")
        raise  # unreachable: fail exits


def _database() -> Database:
    return Database(load_settings().effective_database_url)


def _with_book(connection: str, change: Callable[[PriceBook, int], T]) -> tuple[T, int]:
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            book = PriceBook(session, SystemClock(), publish_price_to_outbox)
            return change(book, connection_id), connection_id
    finally:
        database.dispose()


def _line(row: PriceRow) -> str:
    held = f"  HELD {row.held_price} ({row.held_reason})" if row.held_price is not None else ""
    cdiscount = "-" if row.marketplace_price is None else str(row.marketplace_price)
    best = ""
    if row.best_price is not None:
        best = f"  best {row.best_price}{' (yours)' if row.holds_best_offer else ''}"
    return (
        f"{row.sku:<20} {row.price or '-':>10} {row.strike_price or '':>10} "
        f"{row.outcome or '-':<10} {cdiscount:>10}{best}{held}"
    )


@prices_app.command("show")
@friendly
def show(  # noqa: PLR0917  (one argument per filter, as the API's)
    sku: str | None = typer.Argument(None, help="One SKU; omit it to list SKUs."),
    connection: str = CONNECTION,
    held: bool = typer.Option(False, "--held", help="Only SKUs with a held price."),
    search: str | None = typer.Option(None, "--search", "-q", help="Text in the SKU or title."),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(50, min=1, max=200),
    as_json: bool = JSON,
) -> None:
    """Prices per SKU: wanted, strike, last push, what Cdiscount holds, best offer, held."""
    database = _database()
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
            now = SystemClock().now()
            if sku is not None:
                row = get_price(session, connection_id, sku, now)
                if row is None:
                    fail(f"unknown SKU {sku!r}", "Check the SKU with `cdlink stock show`.")
                rows = [row] if row is not None else []
            else:
                rows = list_prices(
                    session, connection_id, now, q=search, held=held, page=page, page_size=page_size
                ).rows
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(to_jsonable_python(rows), indent=2))
        return
    typer.echo(f"{'SKU':<20} {'PRICE':>10} {'STRIKE':>10} {'PUSH':<10} {'CDISCOUNT':>10}")
    for row in rows:
        typer.echo(_line(row))


@prices_app.command("set")
@friendly
def set_price(
    sku: str,
    price: str = typer.Argument(..., help="Euros, VAT included; 'list' for the price list's."),
    connection: str = CONNECTION,
    strike: str | None = typer.Option(None, "--strike", help="A strike price above the price."),
) -> None:
    """Set a SKU's price on a connection (a price outside a guard is held)."""
    amount = None if price == "list" else _amount(price, "the price")
    strike_price = _amount(strike, "the strike price")
    row, _ = _with_book(
        connection,
        lambda book, cid: book.set_price(cid, sku, amount, strike_price=strike_price),
    )
    if row.held_price is not None:
        typer.echo(f"{sku}: {row.held_price} held ({row.held_reason}, limit {row.held_limit})")
    else:
        typer.echo(f"{sku}: {row.price} queued")


@prices_app.command("guards")
@friendly
def guards(
    sku: str,
    floor: str | None = typer.Option(
        None, "--floor", help="No price below it without a confirmation."
    ),
    ceiling: str | None = typer.Option(None, "--ceiling", help="No price above it either."),
    vat: str = typer.Option("20", "--vat", help="VAT rate: 20, 10, 5.5 or 2.1."),
) -> None:
    """Set a SKU's floor, ceiling and VAT (on every connection)."""
    low, high, rate = (
        _amount(floor, "the floor"),
        _amount(ceiling, "the ceiling"),
        _amount(vat, "the VAT"),
    )
    database = _database()
    try:
        with database.session() as session:
            PriceBook(session, SystemClock(), publish_price_to_outbox).set_guards(
                sku, floor=low, ceiling=high, vat_percent=rate or Decimal(20)
            )
    finally:
        database.dispose()
    typer.echo(f"{sku}: floor {low or '-'}, ceiling {high or '-'}, VAT {rate} %")


@prices_app.command("confirm")
@friendly
def confirm(sku: str, connection: str = CONNECTION) -> None:
    """Send a held price after all."""
    row, _ = _with_book(connection, lambda book, cid: book.confirm_held(cid, sku))
    typer.echo(f"{sku}: {row.price} queued")


@prices_app.command("discard")
@friendly
def discard(sku: str, connection: str = CONNECTION) -> None:
    """Drop a held price (the price on Cdiscount stays)."""
    _with_book(connection, lambda book, cid: book.discard_held(cid, sku))
    typer.echo(f"{sku}: held price discarded")


@prices_app.command("export")
@friendly
def export(
    connection: str = CONNECTION,
    output: Path | None = OUTPUT,
) -> None:
    """The connection's prices as CSV (sku,price,strike_price)."""
    text, _ = _with_book(connection, price_csv.export)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@prices_app.command("import")
@friendly
def import_file(path: Path, connection: str = CONNECTION) -> None:
    """Apply a CSV file of prices, all or nothing."""
    text = price_csv.decode(path.read_bytes())
    applied, _ = _with_book(connection, lambda book, cid: price_csv.upload(text, book, cid))
    typer.echo(f"{applied} price(s) applied")


@promotions_app.command("list")
@friendly
def list_command(connection: str = CONNECTION, as_json: bool = JSON) -> None:
    """The connection's promotions with their state per SKU."""
    database = _database()
    try:
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
            found = list_promotions(session, connection_id)
            items = items_of(session, [promotion.id for promotion in found])
            lines = [
                {
                    "id": p.id,
                    "name": p.name,
                    "kind": p.kind,
                    "discount_percent": p.discount_percent,
                    "starts_at": p.starts_at,
                    "ends_at": p.ends_at,
                    "state": p.state,
                    "skus": {item.sku: item.state for item in items[p.id]},
                }
                for p in found
            ]
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(to_jsonable_python(lines), indent=2))
        return
    for line in lines:
        skus = ", ".join(f"{sku} {state}" for sku, state in line["skus"].items())  # type: ignore[attr-defined]
        typer.echo(
            f"#{line['id']} {line['kind']} -{line['discount_percent']} % "
            f"{line['starts_at']:%Y-%m-%d %H:%M} → {line['ends_at']:%Y-%m-%d %H:%M} UTC "
            f"{line['state']}: {skus}"
        )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not a date and time", "Write it as 2026-06-01T09:00 (UTC if no zone).")
        raise
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@promotions_app.command("create")
@friendly
def create(  # noqa: PLR0917  (one option per field, as the API's)
    skus: list[str] = SKUS,
    connection: str = CONNECTION,
    kind: str = typer.Option("flash_sale", "--kind", help="flash_sale or sale."),
    percent: str = typer.Option(..., "--percent", help="The reduction, 1 to 99."),
    start: str = typer.Option(..., "--start", help="When it starts (ISO, UTC if no zone)."),
    end: str = typer.Option(..., "--end", help="When it ends."),
    name: str = typer.Option("", "--name"),
) -> None:
    """Create a sale or flash sale, refused (exit 1, the rule named) if Cdiscount would."""
    reduction = _amount(percent, "the reduction") or Decimal(0)
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            created = Promotions(session, SystemClock(), wake_promotions).create(
                connection_id,
                kind=kind,
                percent=reduction,
                starts_at=_moment(start),
                ends_at=_moment(end),
                skus=skus,
                name=name,
            )
            number = created.id
    finally:
        database.dispose()
    typer.echo(f"promotion #{number} planned for {len(skus)} SKU(s)")


@promotions_app.command("stop")
@friendly
def stop(promotion_id: int, connection: str = CONNECTION) -> None:
    """Stop a promotion now (Cdiscount's price reverts)."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            Promotions(session, SystemClock(), wake_promotions).stop(connection_id, promotion_id)
    finally:
        database.dispose()
    typer.echo(f"promotion #{promotion_id} stopped")


@promotions_app.command("retry")
@friendly
def retry(promotion_id: int, connection: str = CONNECTION) -> None:
    """Send again the SKUs whose package result never came (state "result unknown")."""
    database = _database()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            count = Promotions(session, SystemClock(), wake_promotions).retry(
                connection_id, promotion_id
            )
    finally:
        database.dispose()
    typer.echo(f"promotion #{promotion_id}: {count} SKU(s) to send again")
