"""Products as CSV: import all or nothing with a report per line, and export.

Columns: ``sku, ean, title, description, marketing_description, brand, pictures,
variant_group, category, price``, then one ``attr:<name>`` column per seller attribute. Pictures
and attribute values are separated by ``|``. Files as Excel writes them are read: separated by
``;`` or ``,`` (found from the header line), in UTF-8 (with or without BOM) or Windows-1252. A
cell a spreadsheet would run as a formula is escaped with a leading ``'`` on export and
unescaped on import (``cdlink.hub.stock.csv_files``), so an exported file imports back as it is.
Every line is checked before anything is written; a file with any problem changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.spreadsheets import Format, amount, dialect, parse_amount
from cdlink.core.translatable import translatable
from cdlink.hub.catalog import products
from cdlink.hub.catalog.products import ProductData, ProductError
from cdlink.hub.stock.csv_files import (
    InvalidStockFileError,
    LineProblem,
    escape,
    unescape,
)

COLUMNS = (
    "sku",
    "ean",
    "title",
    "description",
    "marketing_description",
    "brand",
    "pictures",
    "variant_group",
    "category",
    "price",
)
ATTRIBUTE_PREFIX = "attr:"
SEPARATOR = "|"
MAXIMUM_LINES = 50_000
MAXIMUM_FILE_BYTES = 20_000_000


class InvalidProductFileError(InvalidStockFileError):
    """A product file with problems; ``problems`` names each line. Nothing was written."""

    def __init__(self, problems: list[LineProblem]) -> None:
        super().__init__(problems)
        shown = "; ".join(f"line {problem.line}: {problem.message}" for problem in problems[:20])
        self.message = f"the product file has {len(problems)} problem(s): {shown}"
        self.args = (self.message,)


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252 as Excel saves "CSV (separator: semicolon)"."""
    if len(data) > MAXIMUM_FILE_BYTES:
        template = translatable("the file is larger than %(limit)s bytes")
        raise InvalidProductFileError([LineProblem(1, template, {"limit": MAXIMUM_FILE_BYTES})])
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            template = translatable("the file is neither UTF-8 nor Windows-1252 text")
            raise InvalidProductFileError([LineProblem(line, template)]) from error


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _column(cell: str) -> str:
    """A header cell: a known column in any case; an attribute keeps its name's case."""
    name = cell.strip()
    if name.lower().startswith(ATTRIBUTE_PREFIX):
        return ATTRIBUTE_PREFIX + name[len(ATTRIBUTE_PREFIX) :].strip()
    return name.lower()


def read(text: str) -> list[ProductData]:
    """Every line checked; raise ``InvalidProductFileError`` naming the bad ones."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    problems: list[LineProblem] = []
    found: list[ProductData] = []
    try:
        rows = list(reader)
    except csv.Error as error:
        template = translatable("the line cannot be read as CSV (%(reason)s)")
        raise InvalidProductFileError(
            [LineProblem(reader.line_num, template, {"reason": str(error)})]
        ) from error
    if not rows:
        raise InvalidProductFileError([LineProblem(1, translatable("the file is empty"))])
    header = [_column(cell) for cell in rows[0]]
    if "sku" not in header:
        template = translatable("the first line must name the columns, sku first")
        raise InvalidProductFileError([LineProblem(1, template)])
    unknown = [
        name for name in header if name not in COLUMNS and not name.startswith(ATTRIBUTE_PREFIX)
    ]
    if unknown:
        template = translatable("unknown column %(column)s")
        raise InvalidProductFileError([LineProblem(1, template, {"column": unknown[0][:40]})])
    if len(rows) - 1 > MAXIMUM_LINES:
        template = translatable("the file has more than %(limit)s lines")
        raise InvalidProductFileError([LineProblem(1, template, {"limit": MAXIMUM_LINES})])
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {
            name: unescape(row[i].strip()) if i < len(row) else "" for i, name in enumerate(header)
        }
        try:
            data = _line(cells)
            products.check_data(data)
        except ProductError as error:
            template = translatable("%(field)s: %(reason)s")
            problems.append(
                LineProblem(number, template, {"field": error.field, "reason": error.message})
            )
            continue
        if data.sku in seen:
            problems.append(
                LineProblem(number, translatable("this SKU is already on an earlier line"))
            )
            continue
        seen.add(data.sku)
        found.append(data)
    if problems:
        raise InvalidProductFileError(problems)
    return found


def _line(cells: dict[str, str]) -> ProductData:
    try:  # 12.50, 12,50, 1 234,50 or 1.234,50 €: as either format writes it
        price = parse_amount(cells.get("price", ""))
    except ValueError as error:
        raise ProductError(translatable("The price must be a number"), field="price") from error
    attributes = {
        name[len(ATTRIBUTE_PREFIX) :].strip(): tuple(
            value.strip() for value in value_text.split(SEPARATOR) if value.strip()
        )
        for name, value_text in cells.items()
        if name.startswith(ATTRIBUTE_PREFIX) and value_text
    }
    return ProductData(
        sku=cells.get("sku", ""),
        ean=cells.get("ean") or None,
        title=cells.get("title", ""),
        description=cells.get("description", ""),
        marketing_description=cells.get("marketing_description") or None,
        brand=cells.get("brand") or None,
        pictures=tuple(
            url.strip() for url in cells.get("pictures", "").split(SEPARATOR) if url.strip()
        ),
        attributes=attributes,
        variant_group=cells.get("variant_group") or None,
        seller_category=cells.get("category") or None,
        price=price,
    )


def upload(session: Session, clock: Clock, text: str) -> int:
    """Read the whole file, then save every product in the caller's transaction (a line sets
    every field it has a column for; what Cdiscount's referential gave is kept)."""
    found = read(text)
    for data in found:
        current = products.find(session, data.sku)
        kept = current[1].marketplace_category if current is not None else None
        products.save(session, clock, replace(data, marketplace_category=kept))
    return len(found)


def export(rows: Sequence[ProductData], *, delimiter: str = ",", name: Format | None = None) -> str:
    """Every product as a file ``upload`` reads back; ``name`` (a spreadsheet format) sets the
    separator and the decimal mark (the web layer encodes it in the format's encoding)."""
    if name is not None:
        delimiter = dialect(name).delimiter
    names = sorted({name for row in rows for name in row.attributes})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *(ATTRIBUTE_PREFIX + name for name in names)])
    for row in rows:
        writer.writerow(
            [
                escape(cell)
                for cell in (
                    row.sku,
                    row.ean or "",
                    row.title,
                    row.description,
                    row.marketing_description or "",
                    row.brand or "",
                    SEPARATOR.join(row.pictures),
                    row.variant_group or "",
                    row.seller_category or "",
                    amount(row.price, name or "standard"),
                    *(SEPARATOR.join(row.attributes.get(name, ())) for name in names),
                )
            ]
        )
    return out.getvalue()
