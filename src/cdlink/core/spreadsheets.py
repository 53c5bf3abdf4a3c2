"""The two CSV files a seller's spreadsheet reads and writes: one home for their differences.

``standard`` is UTF-8, comma separated, with a decimal point (what programs expect);
``excel-fr`` is what a French Excel saves as "CSV (separator: semicolon)": Windows-1252,
semicolons, a decimal comma. Exports take a ``format``; imports detect it (the encoding from the
bytes, the separator from the header line), so a file saved by either opens without a question.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

Format = Literal["standard", "excel-fr"]
FORMATS: tuple[Format, ...] = ("standard", "excel-fr")
#: What a spreadsheet would run as a formula at the start of a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dialect:
    name: Format
    delimiter: str
    encoding: str
    decimal: str
    media_type: str


DIALECTS = {
    "standard": Dialect("standard", ",", "utf-8", ".", "text/csv; charset=utf-8"),
    "excel-fr": Dialect("excel-fr", ";", "cp1252", ",", "text/csv; charset=windows-1252"),
}


def dialect(name: Format) -> Dialect:
    return DIALECTS[name]


def decode(data: bytes) -> tuple[str, Format]:
    """The text of an uploaded file and the format it was saved in: UTF-8 (with or without a
    BOM) else Windows-1252 (which decodes any byte but five: those are refused)."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # raises UnicodeDecodeError on 0x81, 0x8d, 0x8f, 0x90, 0x9d
        return text, "excel-fr"
    return text, "excel-fr" if delimiter(text) == ";" else "standard"


def delimiter(text: str) -> str:
    """The separator the header line uses: a semicolon if it has more of them than commas."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def amount(value: Decimal | None, name: Format, places: int = 2) -> str:
    """An amount as the format writes it (``12.50`` or ``12,50``); empty for None."""
    if value is None:
        return ""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if name == "excel-fr" else text


def parse_amount(text: str) -> Decimal | None:
    """An amount written either way (``12.50``, ``12,50``, ``1 234,50``, with or without €);
    None for an empty cell; ``ValueError`` for anything else."""
    cleaned = text.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:  # 1.234,50 (French) or 1,234.50 (English)
        thousands = "." if cleaned.rfind(",") > cleaned.rfind(".") else ","
        cleaned = cleaned.replace(thousands, "")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text.strip()[:40]!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()[:40]!r} is not an amount")
    return value


def escape(cell: str) -> str:
    """A cell a spreadsheet shows as text: a formula start gets a leading ``'``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unescape(cell: str) -> str:
    """A cell as written before ``escape``."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def write(header: Sequence[str], lines: Iterable[Sequence[str]], name: Format) -> bytes:
    """A whole file: the header, then each line (cells already written as text, escaped)."""
    return encode([header, *lines], name)


def encode(lines: Iterable[Sequence[str]], name: Format) -> bytes:
    """Lines of cells as the format's bytes (a character Windows-1252 lacks becomes ``?``)."""
    chosen = dialect(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=chosen.delimiter, lineterminator="\r\n")
    writer.writerows(lines)
    return buffer.getvalue().encode(chosen.encoding, errors="replace")
