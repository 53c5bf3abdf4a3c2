"""``cdlink catalog``: the taxonomy, the validator, publishing and product CSV from a terminal.

The commands use the same hub and sync code as the pages and the API and never call the
marketplace: ``refresh-taxonomy`` and ``publish`` ask the streams to run (``cdlink serve``,
``cdlink worker`` or ``cdlink sync run -s taxonomy|products`` then do it); ``validate`` checks
sheets against the cached taxonomy; ``import`` is all or nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import typer

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.core.spreadsheets import FORMATS, Format, dialect
from cdlink.hub.catalog import csv_files, listing, products
from cdlink.store.engine import Database
from cdlink.sync.catalog.actions import (
    request_publish,
    request_publishing,
    request_taxonomy,
    validate_product,
)
from cdlink.sync.engine.connections import find_connection
from cdlink.web.catalog.api import ProductOut

app = typer.Typer(
    help="Catalog: refresh the Cdiscount taxonomy, validate and publish product sheets, import "
    "or export products as CSV."
)
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file.")
SEPARATOR = typer.Option(
    None, "--separator", help="Deprecated: ',' or ';' (use --format excel-fr for Excel in French)."
)
FORMAT = typer.Option(
    "standard",
    "--format",
    "-f",
    help="standard (UTF-8, commas, 12.50) or excel-fr (Windows-1252, semicolons, 12,50).",
)
FILE = typer.Argument(..., help="A CSV file (',' or ';', UTF-8 or Windows-1252).")
CONNECTION = typer.Option("1", "--connection", "-c", help="The connection's id or name.")


@contextmanager
def _database() -> Iterator[Database]:
    database = Database(load_settings().effective_database_url)
    try:
        yield database
    finally:
        database.dispose()


@app.command("refresh-taxonomy")
@friendly
def refresh_taxonomy(connection: str = CONNECTION) -> None:
    """Ask the taxonomy stream to read Cdiscount's categories again (about 80 calls)."""
    with _database() as database, database.session() as session:
        found = find_connection(session, connection)
        request_taxonomy(session, found.id, SystemClock().now())
    typer.echo(f"taxonomy refresh requested for {found.name}")


@app.command("validate")
@friendly
def validate(
    sku: str | None = typer.Argument(None, help="One SKU; omit it to validate every product."),
    connection: str = CONNECTION,
) -> None:
    """Run the pre-flight validator; print each problem with its fix hint (exit 1 if any)."""
    now = SystemClock().now()
    flagged = 0
    with _database() as database, database.session() as session:
        found = find_connection(session, connection)
        skus = [sku] if sku else [data.sku for _, data in products.with_sheets(session)]
        for one in skus:
            problems = validate_product(session, found.id, one, now)
            if problems:
                flagged += 1
            for problem in problems:
                typer.echo(f"{one}\t{problem.field}\t{problem.rule}\t{problem.hint}")
    typer.echo(f"{len(skus)} checked, {flagged} need fixing", err=True)
    if flagged:
        raise typer.Exit(code=1)


@app.command("publish")
@friendly
def publish(
    sku: str | None = typer.Argument(None, help="One SKU; omit it to send every changed sheet."),
    connection: str = CONNECTION,
) -> None:
    """Queue sheets for the products stream (a sheet with problems is never sent)."""
    now = SystemClock().now()
    with _database() as database, database.session() as session:
        found = find_connection(session, connection)
        if sku:
            status = request_publish(session, found.id, sku, now)
            typer.echo(f"{sku}\t{status}")
        else:
            request_publishing(session, found.id, now)
            typer.echo(f"publishing requested for {found.name}")


@app.command("export")
@friendly
def export(
    output: Path | None = OUTPUT,
    separator: str | None = SEPARATOR,
    file_format: str = FORMAT,
) -> None:
    """Every product as CSV (import it back unchanged)."""
    if file_format not in FORMATS:
        fail(
            f"unknown format {file_format[:40]!r}",
            "Use --format standard, or --format excel-fr for Excel in French.",
        )
    if separator is not None and separator not in {",", ";"}:
        fail("the separator must be ',' or ';'", "Use --format excel-fr for Excel in French.")
    name = cast("Format", file_format)
    with _database() as database, database.reading() as session:
        every = products.all_products(session)
        if separator is not None and name == "standard":
            text = csv_files.export(every, delimiter=separator)
        else:
            text = csv_files.export(every, name=name)
    if output is None:
        sys.stdout.write(text)
    elif name == "excel-fr":
        output.write_bytes(text.encode(dialect(name).encoding, errors="replace"))
    else:
        output.write_text("\ufeff" + text, encoding="utf-8")


@app.command("import")
@friendly
def import_file(
    path: Path = FILE,
) -> None:
    """Create or update products from a file, all or nothing."""
    if not path.is_file():
        fail(
            f"no file {str(path)[:200]!r}",
            "Check the path; `cdlink catalog export` writes a file of this form.",
        )
    with path.open("rb") as handle:
        text = csv_files.decode(handle.read(csv_files.MAXIMUM_FILE_BYTES + 1))
    with _database() as database, database.session() as session:
        count = csv_files.upload(session, SystemClock(), text)
    typer.echo(f"{count} product(s) imported")


@app.command("list")
@friendly
def list_command(
    search: str = typer.Option("", "--search", "-q", help="Text in the SKU, title or EAN."),
    connection: str = CONNECTION,
    page: int = typer.Option(1, min=1, max=1_000_000),
    limit: int = typer.Option(50, min=1, max=200),
    as_json: bool = JSON,
) -> None:
    """Products by SKU with their publishing status on the connection."""
    with _database() as database, database.reading() as session:
        connection_id = find_connection(session, connection).id
        found = listing.list_products(
            session, connection_id, text=search or None, page=page, page_size=limit
        )
        items = [ProductOut.of(row) for row in found.rows]
    if as_json:
        print_json({"items": items, "total": found.total})
        return
    for item in items:
        typer.echo(f"{item.sku}\t{item.status}\t{item.title}")
    typer.echo(f"{found.total} products")
