"""Column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    PostgreSQL keeps the offset; SQLite keeps none, so values are stored as naive UTC and given
    back aware. A naive value is refused on the way in: it would be ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def __repr__(self) -> str:
        return "UtcDateTime()"

    def copy(self, **kwargs: Any) -> UtcDateTime:
        return UtcDateTime()


class Amount(TypeDecorator[Decimal]):
    """An exact amount of money (or a rate): ``Numeric`` in the database, ``Decimal`` in Python.

    SQLite has no decimal type and SQLAlchemy warns when it reads one back as a Decimal, so the
    column is read as a number and turned into a Decimal from its shortest text form, which is
    exact for the 15 significant digits a ``Numeric(14, 2)`` or ``Numeric(9, 4)`` holds.
    """

    impl = Numeric(14, 2, asdecimal=False)
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2) -> None:
        super().__init__()
        self.precision, self.scale = precision, scale
        self.impl = Numeric(precision, scale, asdecimal=False)

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        exponent = Decimal(1).scaleb(-self.scale)
        return Decimal(str(value)).quantize(exponent)

    def __repr__(self) -> str:
        return f"Amount({self.precision}, {self.scale})"

    def copy(self, **kwargs: Any) -> Amount:
        return Amount(self.precision, self.scale)
