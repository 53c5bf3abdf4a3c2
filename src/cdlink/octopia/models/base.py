"""What every marketplace model shares: tolerant of the unknown, strict about what cdlink uses.

- Unknown fields are kept (``extra="allow"``, readable in ``model_extra``), so a new field on
  Cdiscount's side never breaks parsing and nothing it sent is lost.
- Enumerations are open: a field typed ``OpenEnum`` holds the enum member when the value is
  known, and the raw string otherwise (``union_mode="left_to_right"`` tries the enum first).
- Money is ``Decimal`` (exact, from the JSON number's text) and is written back as a JSON number.
- Times are aware UTC; a time without an offset is taken to be UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema, core_schema

from cdlink.core.clock import ensure_utc


def _decimal_to_number(value: Decimal) -> float | int:
    # Octopia wants JSON numbers; a price has far fewer digits than a float keeps exactly.
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_to_number, return_type=float | int, when_used="json"),
]
"""An amount or a rate: exact Decimal in Python, a JSON number on the wire."""


def _utc_datetime_schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    # What the marketplace sends (a time in UTC, ``…Z``) is validated by pydantic alone; only
    # a naive time or another offset goes through ``ensure_utc`` (a Python call per value,
    # most of the cost of a page when every time took it). Either way the value is aware UTC,
    # and an invalid time is refused with one error, as before.
    return core_schema.union_schema(
        [
            core_schema.datetime_schema(tz_constraint=0),
            core_schema.no_info_after_validator_function(ensure_utc, core_schema.datetime_schema()),
        ],
        mode="left_to_right",
        custom_error_type="datetime_type",
    )


UtcDatetime = Annotated[datetime, GetPydanticSchema(_utc_datetime_schema)]
"""An aware UTC datetime; naive input is taken to be UTC (a UTC time already read as such
keeps pydantic's own UTC ``tzinfo``, equal to ``datetime.UTC``)."""

Quantity = Annotated[int, Field(strict=True, ge=0)]
"""A count of items: an integer, never a float or a string, never negative."""

RequiredText = Annotated[str, Field(min_length=1)]


class CamelModel(BaseModel):
    """A marketplace payload in camelCase (most of the API); Python names are snake_case."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        frozen=True,
        serialize_by_alias=True,
    )

    def to_payload(self) -> dict[str, Any]:
        """The JSON-ready body for a request: aliases, numbers for money, no unset nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class SnakeModel(BaseModel):
    """A marketplace payload in snake_case (the ``/sellers`` family answers that way)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class Envelope(BaseModel):
    """The page-number envelope ``{"itemsPerPage": n, "items": [...]}`` with items kept raw."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    items_per_page: int | None = Field(default=None, alias="itemsPerPage")
    items: list[Any]
