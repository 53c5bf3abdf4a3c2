"""Stock as CSV: upload counts (sku, warehouse, quantity) all or nothing, and export them.

An upload is read and checked line by line first: every problem is collected with its line
number (a header line is line 1), and if there is any, nothing is written and the report names
each line. Only a clean file is applied, in the caller's transaction, as counts
(``Inventory.set_on_hand`` with reason ``csv``), so each changed SKU queues its push.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.stock.inventory import Inventory
from cdlink.store.models import Product, StockLevel, Warehouse

COLUMNS = ("sku", "warehouse", "quantity")
MAXIMUM_LINES = 100_000


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
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [cell.strip().lower() for cell in rows[0]] != list(COLUMNS):
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
    problems: list[LineProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        count, problem = _check(number, row, skus, warehouses, seen)
        if problem is not None:
            problems.append(problem)
        elif count is not None:
            counts.append(count)
    if problems:
        raise InvalidStockFileError(problems)
    return counts


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
        return None, LineProblem(number, translatable("unknown SKU %(sku)r"), {"sku": sku})
    if warehouse not in warehouses:
        return None, LineProblem(
            number, translatable("unknown warehouse %(code)r"), {"code": warehouse}
        )
    if not quantity.isdigit():
        return None, LineProblem(
            number,
            translatable("the quantity must be a whole number ≥ 0, not %(quantity)r"),
            {"quantity": quantity},
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
    return StockCount(number, sku, warehouse, int(quantity)), None


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


def export(stock: Inventory) -> str:
    """Every stock level as a file ``upload`` reads back."""
    query = (
        select(Product.sku, Warehouse.code, StockLevel.on_hand)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .order_by(Product.sku, Warehouse.code)
    )
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(stock.session.execute(query))
    return output.getvalue()


#: The largest CSV file the page, the API and the CLI accept.
MAXIMUM_FILE_BYTES = 10_000_000


def decode(data: bytes) -> str:
    """The file's text; one too big or not UTF-8 is refused, naming line 1 or the bad line.

    Read at most ``MAXIMUM_FILE_BYTES + 1`` bytes: one more than the limit is enough to refuse.
    """
    if len(data) > MAXIMUM_FILE_BYTES:
        template = translatable("the file is larger than %(limit)s bytes")
        raise InvalidStockFileError([LineProblem(1, template, {"limit": MAXIMUM_FILE_BYTES})])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        template = translatable("the file is not UTF-8 text; save it as CSV UTF-8")
        raise InvalidStockFileError([LineProblem(line, template)]) from error
