"""Stock as CSV: upload counts (sku, warehouse, quantity) all or nothing, and export them.

Both spreadsheet formats (``cdlink.core.spreadsheets``): an export is written in the one asked
for; an upload's encoding (UTF-8 or Windows-1252) and separator (comma or semicolon) are detected.

An upload is read and checked line by line first: every problem is collected with its line
number (a header line is line 1), and if there is any, nothing is written and the report names
each line. Only a clean file is applied, in the caller's transaction, as counts
(``Inventory.set_on_hand`` with reason ``csv``), so each changed SKU queues its push.

A quantity is ASCII digits only, 0 to ``MAXIMUM_QUANTITY``. An export escapes a cell a
spreadsheet would run as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) with a leading ``'``, and an upload removes that escape, so an exported file
uploads back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from cdlink.core import spreadsheets
from cdlink.core.errors import CdlinkError
from cdlink.core.spreadsheets import Format, dialect
from cdlink.core.translatable import translatable
from cdlink.hub.stock.inventory import MAXIMUM_QUANTITY, Inventory
from cdlink.store.models import Product, StockLevel, Warehouse

COLUMNS = ("sku", "warehouse", "quantity")
MAXIMUM_LINES = 100_000
_DIGITS = re.compile(r"[0-9]+")
#: How much of a bad value a problem quotes.
_SHOWN = 40


@dataclass(frozen=True)
class LineProblem:
    """What is wrong on one line of an upload: an English template (translated by the web
    layer) and its values."""

    line: int
    template: str
    values: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template % self.values


@dataclass(frozen=True)
class StockCount:
    line: int
    sku: str
    warehouse: str
    quantity: int


class InvalidStockFileError(CdlinkError):
    """An upload with problems; ``problems`` names each line. Nothing was written."""

    default_hint = translatable(
        "Correct the lines named and upload the whole file again; nothing was changed."
    )

    def __init__(self, problems: list[LineProblem]) -> None:
        shown = "; ".join(f"line {problem.line}: {problem.message}" for problem in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"the stock file has {len(problems)} problem(s): {shown}{more}")
        self.problems = problems


def read_counts(text: str, stock: Inventory) -> list[StockCount]:
    """Every line checked; raise ``InvalidStockFileError`` naming the bad ones."""
    rows, problems = _rows(text)
    header = rows[0] if rows else None
    if (
        header is None
        or header[0] != 1
        or [cell.strip().lower() for cell in header[1]] != list(COLUMNS)
    ):
        raise InvalidStockFileError(
            [LineProblem(1, translatable("the header must be: sku,warehouse,quantity"))]
        )
    if len(rows) - 1 > MAXIMUM_LINES:
        raise InvalidStockFileError(
            [LineProblem(1, translatable("more than %(limit)s lines"), {"limit": MAXIMUM_LINES})]
        )
    skus = set(stock.session.scalars(select(Product.sku)))
    warehouses = set(stock.session.scalars(select(Warehouse.code)))
    counts: list[StockCount] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        count, problem = _check(number, [unescape(cell) for cell in row], skus, warehouses, seen)
        if problem is not None:
            problems.append(problem)
        elif count is not None:
            counts.append(count)
    if problems:
        raise InvalidStockFileError(sorted(problems, key=lambda problem: problem.line))
    return counts


def _rows(text: str) -> tuple[list[tuple[int, list[str]]], list[LineProblem]]:
    """The file's rows with the line each starts on, and the lines the CSV reader refused
    (a field over the reader's limit, a broken quote): a problem each, never an exception."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=spreadsheets.delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    problems: list[LineProblem] = []
    while len(rows) <= MAXIMUM_LINES + 1:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            template = translatable("the line cannot be read as CSV (%(reason)s)")
            problems.append(LineProblem(start, template, {"reason": str(error)}))
            continue
        rows.append((start, row))
    return rows, problems


#: A cell as written before ``escape`` (the rule lives in ``cdlink.core.spreadsheets``).
unescape = spreadsheets.unescape


def escape(cell: object) -> object:
    """A cell a spreadsheet will show as text (quantities stay numbers)."""
    return spreadsheets.escape(cell) if isinstance(cell, str) else cell


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


def parse_quantity(text: str) -> int | None:
    """A quantity written in ASCII digits, 0 to ``MAXIMUM_QUANTITY``; None for anything else
    (``²``, ``٣``, fullwidth digits, a sign, 5,000 digits)."""
    if len(text) > len(str(MAXIMUM_QUANTITY)) + 3 or not _DIGITS.fullmatch(text):
        return None
    quantity = int(text)
    return quantity if quantity <= MAXIMUM_QUANTITY else None


def _check(
    number: int,
    row: list[str],
    skus: set[str],
    warehouses: set[str],
    seen: dict[tuple[str, str], int],
    *,
    unit: str = "on line",
) -> tuple[StockCount | None, LineProblem | None]:
    if len(row) != len(COLUMNS):
        return None, LineProblem(
            number, translatable("expected 3 values, found %(count)s"), {"count": len(row)}
        )
    sku, warehouse, quantity = (cell.strip() for cell in row)
    if sku not in skus:
        return None, LineProblem(number, translatable("unknown SKU %(sku)r"), {"sku": _shown(sku)})
    if warehouse not in warehouses:
        return None, LineProblem(
            number, translatable("unknown warehouse %(code)r"), {"code": _shown(warehouse)}
        )
    parsed = parse_quantity(quantity)
    if parsed is None:
        return None, LineProblem(
            number,
            # The limit is written in the message, so each language writes the number its way.
            translatable(
                "the quantity must be a whole number from 0 to 1,000,000, not %(quantity)r"
            ),
            {"quantity": _shown(quantity)},
        )
    if (sku, warehouse) in seen:
        first = seen[(sku, warehouse)]
        return None, LineProblem(
            number,
            translatable("%(sku)s in %(code)s is already counted on line %(first)s")
            if unit == "on line"
            else translatable("%(sku)s in %(code)s is already counted in item %(first)s"),
            {"sku": sku, "code": warehouse, "first": first},
        )
    seen[(sku, warehouse)] = number
    return StockCount(number, sku, warehouse, parsed), None


class InvalidStockListError(InvalidStockFileError):
    """A list of counts (the REST API's bulk set) with problems; items are numbered from 1."""

    default_hint = "Correct the items named and send the whole list again; nothing was changed."

    def __init__(self, problems: list[LineProblem]) -> None:
        shown = "; ".join(f"item {problem.line}: {problem.message}" for problem in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        CdlinkError.__init__(self, f"the list has {len(problems)} problem(s): {shown}{more}")
        self.problems = problems


def read_items(items: Sequence[tuple[str, str, int]], stock: Inventory) -> list[StockCount]:
    """(SKU, warehouse, quantity) items checked like the lines of a file, numbered from 1."""
    if len(items) > MAXIMUM_LINES:
        raise InvalidStockListError(
            [LineProblem(1, translatable("more than %(limit)s items"), {"limit": MAXIMUM_LINES})]
        )
    skus = set(stock.session.scalars(select(Product.sku)))
    warehouses = set(stock.session.scalars(select(Warehouse.code)))
    counts: list[StockCount] = []
    problems: list[LineProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for number, (sku, warehouse, quantity) in enumerate(items, start=1):
        count, problem = _check(
            number, [sku, warehouse, str(quantity)], skus, warehouses, seen, unit="in item"
        )
        if problem is not None:
            problems.append(problem)
        elif count is not None:
            counts.append(count)
    if problems:
        raise InvalidStockListError(problems)
    return counts


def apply(counts: Sequence[StockCount], stock: Inventory, reason: str) -> int:
    """Set each level (a count); return how many were applied."""
    for count in counts:
        stock.set_on_hand(count.sku, count.warehouse, count.quantity, reason)
    return len(counts)


def upload(text: str, stock: Inventory) -> int:
    """Apply a stock file all or nothing; return how many lines were applied."""
    counts = read_counts(text, stock)
    for count in counts:
        stock.set_on_hand(count.sku, count.warehouse, count.quantity, "csv")
    return len(counts)


def export(stock: Inventory, name: Format = "standard") -> str:
    """Every stock level as a file ``upload`` reads back (``excel-fr``: semicolons; the web
    layer encodes it in the format's encoding)."""
    query = (
        select(Product.sku, Warehouse.code, StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .order_by(Product.sku, Warehouse.code)
    )
    output = io.StringIO()
    writer = csv.writer(output, delimiter=dialect(name).delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([escape(cell) for cell in row] for row in stock.session.execute(query))
    return output.getvalue()


#: The largest CSV file the page, the API and the CLI accept.
MAXIMUM_FILE_BYTES = 10_000_000


def decode(data: bytes) -> str:
    """The file's text (UTF-8, else Windows-1252); one too big or unreadable is refused, naming
    line 1 or the bad line.

    Read at most ``MAXIMUM_FILE_BYTES + 1`` bytes: one more than the limit is enough to refuse.
    """
    if len(data) > MAXIMUM_FILE_BYTES:
        template = translatable("the file is larger than %(limit)s bytes")
        raise InvalidStockFileError([LineProblem(1, template, {"limit": MAXIMUM_FILE_BYTES})])
    try:
        return spreadsheets.decode(data)[0]
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        template = translatable("the file is neither UTF-8 nor Windows-1252 text")
        raise InvalidStockFileError([LineProblem(line, template)]) from error
