"""Accounting exports of operations and payouts, as CSV: UTF-8 with commas and a decimal point,
or the French Excel variant (semicolons, decimal comma, Windows-1252)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from cdlink.hub.finance.queries import OperationView, PayoutView

Dialect = Literal["standard", "excel-fr"]
OPERATION_COLUMNS = (
    "operation_id",
    "date",
    "type",
    "order",
    "line",
    "sku",
    "amount",
    "vat",
    "commission",
    "currency",
    "payment",
    "payment_state",
    "release_date",
    "invoice",
)
PAYOUT_COLUMNS = (
    "payment_id",
    "date",
    "state",
    "amount",
    "operations_total",
    "difference",
    "operations",
    "currency",
)


def _cell(value: object, dialect: Dialect, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if dialect == "excel-fr" else text
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _rows(
    header: Sequence[str], rows: Iterable[Sequence[object]], dialect: Dialect, zone: ZoneInfo
) -> Iterator[bytes]:
    delimiter = ";" if dialect == "excel-fr" else ","
    encoding = "cp1252" if dialect == "excel-fr" else "utf-8"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value, dialect, zone) for value in row])
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode(encoding, errors="replace")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(encoding, errors="replace")


def operations_csv(
    operations: Iterable[OperationView], dialect: Dialect, zone: ZoneInfo
) -> Iterator[bytes]:
    rows = (
        (
            op.operation_id,
            op.operation_date,
            op.event_type,
            op.marketplace_order_id,
            op.order_line_id,
            op.seller_product_id,
            op.amount,
            op.vat,
            op.commission,
            op.currency,
            op.payment_id,
            op.payment_state,
            op.release_payment_date,
            op.invoice_id,
        )
        for op in operations
    )
    return _rows(OPERATION_COLUMNS, rows, dialect, zone)


def payouts_csv(payouts: Iterable[PayoutView], dialect: Dialect, zone: ZoneInfo) -> Iterator[bytes]:
    rows = (
        (
            p.payment_id,
            p.payment_date,
            p.state,
            p.amount,
            p.operations_total,
            p.difference,
            p.operations_found,
            p.currency,
        )
        for p in payouts
    )
    return _rows(PAYOUT_COLUMNS, rows, dialect, zone)


def media_type(dialect: Dialect) -> str:
    charset = "windows-1252" if dialect == "excel-fr" else "utf-8"
    return f"text/csv; charset={charset}"
