"""``cdlink finance`` and ``cdlink invoices``: payouts, reconciliation, accounting exports and
customer invoices from the command line.

``finance sync`` runs the finance stream of a connection now, in this process (operations,
payouts, commission invoices, then the reconciliation). ``finance payouts`` and
``finance export`` read what it stored. ``invoices upload`` checks a PDF, a UBL 2.1 XML or a ZIP
and records the upload; the sync engine sends it (``cdlink serve``, ``cdlink worker`` or
``cdlink sync run -s invoice_uploads``). A file refused is refused before anything is recorded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cdlink.cli.context import fail, friendly, load_settings
from cdlink.cli.output import JSON, print_json
from cdlink.core.clock import SystemClock
from cdlink.hub.finance import invoices as invoice_rules
from cdlink.hub.finance import queries
from cdlink.hub.finance.invoices import InvoiceFile, InvoiceFileError
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients
from cdlink.store.engine import Database
from cdlink.sync.engine.connections import find_connection
from cdlink.sync.finance.actions import request_import, request_upload
from cdlink.sync.finance.stream import STREAM
from cdlink.web.finance.api import DifferenceOut, operation_out, payout_out
from cdlink.web.finance.exports import Dialect, operations_csv, payouts_csv

app = typer.Typer(help="Finance: sync operations and payouts, list payouts, export for accounting.")
invoices_app = typer.Typer(help="Customer invoices: upload a PDF, a UBL 2.1 XML or a ZIP.")

CONNECTION = typer.Option("1", "--connection", "-c", help="Connection id or name.")
OUTPUT = typer.Option(None, "--output", "-o", help="File (default: stdout).")
FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True)


def _database() -> Database:
    return Database(load_settings().effective_database_url)


@app.command("sync")
@friendly
def sync(connection: str = CONNECTION) -> None:
    """Import the connection's operations, payouts and invoices now, then reconcile."""
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        clock = SystemClock()
        environment = JobEnvironment(
            settings, database, clock, clients=in_process_clients(settings, clock)
        )
        with database.reading() as session:
            connection_id = find_connection(session, connection).id
        report = environment.runner().run(connection_id, STREAM, trigger="manual")
        with database.reading() as session:
            counts = queries.count_differences(session, connection_id=connection_id)
    finally:
        database.dispose()
    done = ", ".join(f"{key} {value}" for key, value in sorted(report.counts.items()))
    typer.echo(f"finance: {report.outcome}" + (f" ({done})" if done else ""))
    if report.outcome != "succeeded":
        fail(report.message or report.outcome, "See `cdlink sync status` and the sync log.")
    typer.echo(f"differences to review: {sum(counts.values())}")
    for kind, count in sorted(counts.items()):
        typer.echo(f"  {kind}: {count}")


@app.command("payouts")
@friendly
def payouts(limit: int = typer.Option(20, min=1, max=1000), as_json: bool = JSON) -> None:
    """The latest payouts: date, state, amount, the sum of their operations, the check."""
    database = _database()
    now = SystemClock().now()
    try:
        with database.reading() as session:
            found = queries.payouts(session, limit=limit)
            upcoming = queries.next_expected(session, now)
    finally:
        database.dispose()
    if as_json:
        print_json(
            {
                "items": [payout_out(item) for item in found],
                "next_expected": payout_out(upcoming) if upcoming else None,
            }
        )
        return
    if upcoming is not None:
        typer.echo(
            f"next expected: {upcoming.payment_date:%Y-%m-%d} {upcoming.amount} "
            f"{upcoming.currency} ({upcoming.state})"
        )
    if not found:
        typer.echo("no payout yet: run `cdlink finance sync`")
    for item in found:
        check = {None: "not checked", True: "explained", False: f"DIFFERS {item.difference}"}
        typer.echo(
            f"{item.id}\t{item.payment_date:%Y-%m-%d}\t{item.state}\t{item.amount} "
            f"{item.currency}\toperations {item.operations_total}\t{check[item.matches]}"
        )


@app.command("operations")
@friendly
def operations(
    limit: int = typer.Option(50, min=1, max=500),
    payment: str | None = typer.Option(None, "--payment", help="Only this payout's (payment id)."),
    order: str | None = typer.Option(None, "--order", help="Only this marketplace order's."),
    as_json: bool = JSON,
) -> None:
    """The latest operations stored (sales, commissions, fees, refunds), newest first."""
    database = _database()
    try:
        with database.reading() as session:
            filters = queries.OperationFilter(payment_id=payment, order_id=order)
            found, _ = queries.operations(session, filters, limit=limit)
    finally:
        database.dispose()
    if as_json:
        print_json({"items": [operation_out(item) for item in found]})
        return
    for item in found:
        typer.echo(
            f"{item.operation_date:%Y-%m-%d}\t{item.event_type}\t{item.amount} {item.currency}"
            f"\t{item.marketplace_order_id or '-'}\t{item.payment_id or '-'}"
        )


@app.command("differences")
@friendly
def differences(limit: int = typer.Option(50, min=1, max=500), as_json: bool = JSON) -> None:
    """What reconciliation found and nobody reviewed yet, newest first."""
    database = _database()
    try:
        with database.reading() as session:
            found = queries.differences(session, limit=limit)
    finally:
        database.dispose()
    if as_json:
        print_json({"items": [DifferenceOut(**item.__dict__) for item in found]})
        return
    for item in found:
        typer.echo(
            f"{item.id}\t{item.detected_at:%Y-%m-%d}\t{item.kind}\t{item.reference}\t"
            f"expected {item.expected} got {item.actual}"
        )


@app.command("export")
@friendly
def export(
    what: str = typer.Argument("operations", help="operations or payouts"),
    excel_fr: bool = typer.Option(
        False, "--excel-fr", help="French Excel: semicolons, decimal comma, Windows-1252."
    ),
    output: Path | None = OUTPUT,
) -> None:
    """Write the operations or payouts as CSV for accounting."""
    if what not in ("operations", "payouts"):
        raise typer.BadParameter("choose operations or payouts", param_hint="WHAT")
    dialect: Dialect = "excel-fr" if excel_fr else "standard"
    settings = load_settings()
    database = Database(settings.effective_database_url)
    try:
        with database.reading() as session:
            if what == "operations":
                chunks = operations_csv(
                    queries.all_operations(session, queries.OperationFilter()),
                    dialect,
                    settings.zone,
                )
            else:
                every = queries.payouts(session, limit=100_000)
                chunks = payouts_csv(every, dialect, settings.zone)
            if output is None:
                for chunk in chunks:
                    sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            else:
                with output.open("wb") as target:
                    for chunk in chunks:
                        target.write(chunk)
                typer.echo(f"written to {output}", err=True)
    finally:
        database.dispose()


@invoices_app.command("upload")
@friendly
def upload(
    file: Path = FILE,
    order: str | None = typer.Option(
        None, "--order", help="The order id (default: a ZIP, or the file's name)."
    ),
    connection: str = CONNECTION,
) -> None:
    """Upload a PDF or UBL invoice for an order, or a ZIP of <order id>.pdf|.xml files."""
    content = file.read_bytes()
    database = _database()
    now = SystemClock().now()
    try:
        with database.session() as session:
            connection_id = find_connection(session, connection).id
            if file.suffix.lower() == ".zip" and order is None:
                record = request_import(
                    session, connection_id, file.name, content, requested_by="cli", now=now
                )
                for item in record.files:
                    reason = invoice_rules.REASONS.get(item.get("reason") or "", "")
                    line = f"{item['file_name']}\t{item['status']}"
                    typer.echo(line + (f"\t{reason}" if reason else ""))
                typer.echo(f"import {record.id}: {record.state}")
                return
            order_id = order or file.stem
            found = invoice_rules.find_order(session, connection_id, order_id)
            if found is None:
                raise InvoiceFileError("unknown_order", file.name)
            upload_row = request_upload(
                session, found, InvoiceFile(file.name, content), requested_by="cli", now=now
            )
            typer.echo(f"upload {upload_row.id} for order {order_id}: {upload_row.state}")
    finally:
        database.dispose()
