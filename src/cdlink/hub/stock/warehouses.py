"""Warehouses: create, rename and delete them, and read them with their stock and connections.

A warehouse that still holds stock is not deleted: its units would vanish from every connection
it is mapped to. The seller counts them to zero (or moves them) first; then the warehouse, its
empty levels and their journal go. Mapping a warehouse to a connection is an ``Inventory``
operation, since it changes what the connection may sell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.stock.inventory import UnknownWarehouseError, add_warehouse
from cdlink.store.models import StockLevel, Warehouse, WarehouseConnection

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAXIMUM_NAME = 120


class InvalidWarehouseError(CdlinkError):
    """A warehouse code or name that cannot be used."""

    default_hint = translatable(
        "Use a code of 1 to 40 letters, digits, '-', '_' or '.', and a name of 1 to 120 characters."
    )


class WarehouseExistsError(CdlinkError):
    """Another warehouse has that code."""

    default_hint = translatable("Choose another code, or rename the existing warehouse.")


class WarehouseInUseError(CdlinkError):
    """The warehouse still holds stock."""

    default_hint = translatable(
        "Count its stock to 0 first (Stock page, CSV upload or the API), then delete it; "
        "its units would otherwise disappear from every connection that sells them."
    )

    def __init__(self, code: str, units: int, skus: int) -> None:
        super().__init__(f"warehouse {code} still holds {units} unit(s) of {skus} SKU(s)")
        self.code, self.units, self.skus = code, units, skus


@dataclass(frozen=True)
class WarehouseSummary:
    id: int
    code: str
    name: str
    units: int
    skus: int
    #: Connection id → the warehouse's place in that connection's shipment order (lowest first).
    priorities: dict[int, int]
    #: Its own last change, or its stock's (a level of one of its products), the later.
    updated_at: datetime

    @property
    def connection_ids(self) -> list[int]:
        """The connections that sell its stock."""
        return sorted(self.priorities)


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAXIMUM_NAME:
        raise InvalidWarehouseError(f"the warehouse name must have 1 to {MAXIMUM_NAME} characters")
    return name


def create_warehouse(session: Session, clock: Clock, code: str, name: str) -> Warehouse:
    code = code.strip()
    if not CODE.match(code):
        raise InvalidWarehouseError(f"{code!r} is not a valid warehouse code")
    name = _checked_name(name)
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is not None:
        raise WarehouseExistsError(f"a warehouse with the code {code!r} exists already")
    return add_warehouse(session, clock, code, name)


def get_warehouse(session: Session, code: str) -> Warehouse:
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is None:
        raise UnknownWarehouseError(f"unknown warehouse {code!r}")
    return warehouse


def rename_warehouse(session: Session, code: str, name: str, *, now: datetime) -> Warehouse:
    warehouse = get_warehouse(session, code)
    checked = _checked_name(name)
    if checked != warehouse.name:
        warehouse.name, warehouse.updated_at = checked, now
    session.flush()
    return warehouse


def delete_warehouse(session: Session, code: str) -> None:
    """Delete an empty warehouse; refuse (``WarehouseInUseError``) while it holds stock."""
    warehouse = get_warehouse(session, code)
    query = select(func.count(), func.coalesce(func.sum(StockLevel.on_hand), 0)).where(
        StockLevel.warehouse_id == warehouse.id, StockLevel.on_hand != 0
    )
    skus, units = session.execute(query).one()
    if skus:
        raise WarehouseInUseError(code, int(units), int(skus))
    session.delete(warehouse)
    session.flush()


def list_warehouses(session: Session) -> list[WarehouseSummary]:
    """Every warehouse with its units on hand, SKUs stocked and the connections selling it."""
    totals = {
        warehouse_id: (int(units), int(skus))
        for warehouse_id, units, skus in session.execute(
            select(
                StockLevel.warehouse_id,
                func.coalesce(func.sum(StockLevel.on_hand), 0),
                func.count(),
            )
            .where(StockLevel.on_hand != 0)
            .group_by(StockLevel.warehouse_id)
        )
    }
    latest = select(StockLevel.warehouse_id, func.max(StockLevel.updated_at))
    stocked: dict[int, datetime] = dict(
        session.execute(latest.group_by(StockLevel.warehouse_id)).all()
    )
    mapped: dict[int, dict[int, int]] = {}
    for row in session.scalars(select(WarehouseConnection)):
        mapped.setdefault(row.warehouse_id, {})[row.connection_id] = row.priority
    return [
        WarehouseSummary(
            id=warehouse.id,
            code=warehouse.code,
            name=warehouse.name,
            units=totals.get(warehouse.id, (0, 0))[0],
            skus=totals.get(warehouse.id, (0, 0))[1],
            priorities=dict(sorted(mapped.get(warehouse.id, {}).items())),
            updated_at=max(warehouse.updated_at, stocked.get(warehouse.id) or warehouse.updated_at),
        )
        for warehouse in session.scalars(select(Warehouse).order_by(Warehouse.code))
    ]
