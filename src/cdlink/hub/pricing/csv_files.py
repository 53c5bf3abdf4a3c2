"""Prices as CSV: ``sku,price,strike_price`` per connection, exported and imported back.

``price`` is the SKU's price override on the connection (empty: the price list's price);
``strike_price`` the crossed-out price (empty: none). An import is all or nothing: a file with any
bad line changes nothing, and the error names every bad line (the header is line 1). Prices are
euros, VAT included, with a dot or a comma. Both spreadsheet formats (``cdlink.core.spreadsheets``):
an export in the one asked for, an import's encoding and separator detected.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from cdlink.core import spreadsheets
from cdlink.core.spreadsheets import Format, amount, dialect, escape
from cdlink.hub.pricing.prices import PriceBook
from cdlink.hub.pricing.queries import list_prices
from cdlink.hub.pricing.rules import InvalidPriceError, check_price, check_strike_price

HEADER = ("sku", "price", "strike_price")
MAXIMUM_LINES = 10_000
MAXIMUM_FILE_BYTES = 2 * 1024 * 1024


class PriceFileError(InvalidPriceError):
    """A price file with bad lines; ``lines`` holds (line number, what is wrong) for each, the
    header being line 1. Nothing was written."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        shown = "; ".join(f"line {number}: {message}" for number, message in lines[:20])
        super().__init__(shown)
        self.lines = lines


def export(book: PriceBook, connection_id: int, name: Format = "standard") -> str:
    """The connection's prices as a file ``upload`` reads back (``excel-fr``: semicolons and
    decimal commas; the web layer encodes it in the format's encoding)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect(name).delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    page = 1
    while True:
        found = list_prices(book.session, connection_id, book.clock.now(), page=page, page_size=500)
        for row in found.rows:
            writer.writerow(
                (escape(row.sku), amount(row.override, name), amount(row.strike_price, name))
            )
        if page * found.page_size >= found.total:
            return buffer.getvalue()
        page += 1


def decode(content: bytes) -> str:
    if len(content) > MAXIMUM_FILE_BYTES:
        raise InvalidPriceError("the file is over 2 MB")
    try:
        return spreadsheets.decode(content)[0]
    except UnicodeDecodeError as error:
        raise InvalidPriceError("the file is neither UTF-8 nor Windows-1252 text") from error


def _amount(text: str) -> Decimal | None:
    """``12.50``, ``12,50``, ``1 234,50 €``; None for an empty cell."""
    try:
        return spreadsheets.parse_amount(text)
    except ValueError as error:
        raise InvalidPriceError(str(error)) from error


def read(text: str) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """The lines of a file, or ``InvalidPriceError`` naming every bad one."""
    rows = list(csv.reader(io.StringIO(text), delimiter=spreadsheets.delimiter(text)))
    if not rows or tuple(cell.strip().lower() for cell in rows[0][:3]) != HEADER:
        raise PriceFileError([(1, "the header must be sku,price,strike_price")])
    if len(rows) - 1 > MAXIMUM_LINES:
        raise InvalidPriceError(f"at most {MAXIMUM_LINES:,} lines")
    found: list[tuple[str, Decimal | None, Decimal | None]] = []
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        cells = [*line, "", ""][:3]
        try:
            sku = spreadsheets.unescape(cells[0].strip())
            if not sku:
                raise InvalidPriceError("the SKU is empty")
            price, strike = _amount(cells[1]), _amount(cells[2])
            price = None if price is None else check_price(price)
            check_strike_price(strike, price)
            found.append((sku, price, strike))
        except InvalidPriceError as error:
            problems.append((number, str(error)))
    if problems:
        raise PriceFileError(problems)
    return found


def upload(text: str, book: PriceBook, connection_id: int) -> int:
    """Apply a file (all or nothing: the caller's transaction rolls back on an error)."""
    lines = read(text)
    for sku, price, strike in lines:
        book.set_price(connection_id, sku, price, strike_price=strike)
    return len(lines)
