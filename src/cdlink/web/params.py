"""What a route accepts, with its bounds: one home for the API's and the pages' parameter types.

Every id is 1 to 2,147,483,647 (the id columns are INTEGER: PostgreSQL's limit, well inside
SQLite's), every quantity 0 to 1,000,000
(``cdlink.hub.stock.inventory.MAXIMUM_QUANTITY``), and JSON bodies are strict: ``true`` is not
1 and ``"7"`` is not 7. A value out of bounds is a 422 naming the field, never a 500.

Filters read as people write them: a date bound is a plain date (``2026-12-05``, a day of the
shop's time zone, ``CDLINK_TIMEZONE``) or a date-time with its zone (``2026-12-05T08:00:00+01:00``,
``…Z``); a list is repeated (``status=A&status=B``) or comma separated (``status=A,B``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import Field, StrictBool, StrictInt

from cdlink.hub.stock.inventory import MAXIMUM_QUANTITY

#: The largest id: every id column is an INTEGER, whose limit on PostgreSQL is 2^31 - 1.
MAXIMUM_ID = 2**31 - 1
#: The last page a list may ask for (far beyond any list; keeps the offset a database integer).
MAXIMUM_PAGE = 1_000_000
#: As the hub's lists (``MAXIMUM_PAGE_SIZE`` of orders, stock and catalog queries).
MAXIMUM_PAGE_SIZE = 200

#: An id in a path (``/orders/{order_id}``).
Id = Annotated[int, Path(ge=1, le=MAXIMUM_ID)]
#: An optional id in a query (``?connection_id=``).
QueryId = Annotated[int | None, Query(ge=1, le=MAXIMUM_ID)]


def id_query(description: str) -> Any:
    """``QueryId``'s bounds with a description (FastAPI keeps only one ``Query`` per parameter)."""
    return Query(ge=1, le=MAXIMUM_ID, description=description)


#: An id posted by a form.
FormId = Annotated[int, Form(ge=1, le=MAXIMUM_ID)]
Page = Annotated[int, Query(ge=1, le=MAXIMUM_PAGE, description="From 1.")]
PageSize = Annotated[int, Query(ge=1, le=MAXIMUM_PAGE_SIZE, description="1 to 200.")]

#: Units in a JSON body: a whole number (not ``"7"``, not ``true``), 0 to 1,000,000.
StrictQuantity = Annotated[
    StrictInt, Field(ge=0, le=MAXIMUM_QUANTITY, description="0 to 1,000,000 units.")
]
#: Units added (positive) or removed (negative) in a JSON body.
StrictDelta = Annotated[
    StrictInt,
    Field(
        ge=-MAXIMUM_QUANTITY,
        le=MAXIMUM_QUANTITY,
        description="Units added (positive) or removed (negative), at most 1,000,000 either way.",
    ),
]
#: ``true`` or ``false`` in a JSON body, never 1, 0 or ``"yes"``.
StrictFlag = StrictBool

_DIGITS = re.compile(r"[0-9]{1,19}")
_WHOLE = re.compile(r"[-+]?[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

DATE_BOUND_HELP = (
    "A day (2026-12-05, in the shop's time zone) or a date-time with its zone "
    "(2026-12-05T08:00:00+01:00 or …Z)."
)


def parse_id(text: str) -> int | None:
    """An id a page got as text (a form field, a filter): ASCII digits, 1 to ``MAXIMUM_ID``;
    None for anything else."""
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAXIMUM_ID else None


def parse_whole(text: str) -> int | None:
    """A whole number a form sent as text: ASCII digits with an optional sign, nothing else
    (not ``²``, ``٣``, fullwidth digits or ``1_000``); None otherwise. The caller bounds it."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def invalid(location: str, name: str, message: str) -> RequestValidationError:
    """A 422 naming one field, answered like FastAPI's own (``errors._invalid_request``)."""
    return RequestValidationError(
        [{"loc": (location, name), "msg": message, "type": "value_error", "input": None}]
    )


def date_bound(
    value: str | None, name: str, zone: ZoneInfo, *, end: bool = False
) -> datetime | None:
    """A filter's bound as an aware date-time; None when absent.

    A plain day starts at midnight in ``zone``; as an ``end`` (an exclusive upper bound,
    ``…_to``) it means the whole day, so the bound is the next midnight. A date-time must carry
    its zone: one without is refused rather than guessed.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        moment = _moment(text, zone, end=end)
        if moment.tzinfo is None:
            raise invalid(
                "query", name, "a date-time needs its time zone (add Z or +01:00), or give a day"
            )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid("query", name, f"not a date or date-time: {DATE_BOUND_HELP}") from None


def _moment(text: str, zone: ZoneInfo, *, end: bool) -> datetime:
    if _DATE.fullmatch(text):
        day = date.fromisoformat(text)
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=zone)
    return datetime.fromisoformat(text)


def choices(values: Sequence[str], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    """A list filter's values, repeated or comma separated; 422 for one not in ``allowed``."""
    chosen = tuple(
        dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip())
    )
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise invalid(
            "query",
            name,
            f"unknown value(s) {', '.join(repr(value[:40]) for value in unknown[:5])}; "
            f"allowed: {', '.join(allowed)}",
        )
    return chosen
