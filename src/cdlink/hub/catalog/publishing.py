"""Where each product's sheet stands on each connection, and the catalog settings.

Statuses (``product_publications.status``)::

    needs_fixing ── the validator found problems: never sent
    queued ─────── valid, waiting for the next batch (or for the hourly quota: ``retry_at``)
    sent ───────── in a package, no report yet (the report lag)
    validated ──── accepted, not live yet
    manual_check ─ held by Cdiscount for a manual check (since ``manual_check_since``)
    integrated ─── live: a report said Integrated (``live_at``); only then is an offer made
    refused ────── Cdiscount refused it (``reasons``)

``reconciliation`` counts where the sheets stand: the sheets Cdiscount holds or judges (sent) are
each live, refused or still pending.

**Field ownership.** Per connection, each of title, description, pictures, attributes, price and
stock belongs to cdlink or to Cdiscount. ``marketplace_fields`` keeps the sheet fields as
Cdiscount holds them (read from the referential, or last sent); ``as_sent`` puts them back in
place of cdlink's for every field Cdiscount owns, so an edit in cdlink of such a field is never
sent, while the referential import overwrites it in cdlink. The owner of stock is the
connection's stock synchronisation switch (cdlink pushes quantities only when it owns them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog.products import OWNED_FIELDS, ProductData
from cdlink.store.models import (
    CatalogSettings,
    Connection,
    Product,
    ProductPublication,
    ProductReport,
)

#: The products stream's name.
STREAM = "products"
NEEDS_FIXING, QUEUED, SENT = "needs_fixing", "queued", "sent"
VALIDATED, MANUAL_CHECK, INTEGRATED, REFUSED = "validated", "manual_check", "integrated", "refused"
STATUSES = (NEEDS_FIXING, QUEUED, SENT, VALIDATED, MANUAL_CHECK, INTEGRATED, REFUSED)
#: In a package and not judged for good yet.
PENDING = (SENT, VALIDATED, MANUAL_CHECK)
STATUS_LABELS = {
    NEEDS_FIXING: translatable("Needs fixing"),
    QUEUED: translatable("Queued"),
    SENT: translatable("Sent"),
    VALIDATED: translatable("Validated"),
    MANUAL_CHECK: translatable("In manual check"),
    INTEGRATED: translatable("Integrated"),
    REFUSED: translatable("Refused"),
}
DIRECTIONS = ("import", "export", "both")
#: The owned fields that travel in a product sheet (price and stock travel in the offer).
SHEET_FIELDS = ("title", "description", "pictures", "attributes")
OWNERS = ("cdlink", "cdiscount")
DEFAULT_OWNERS = {
    "title": "cdlink",
    "description": "cdlink",
    "pictures": "cdlink",
    "attributes": "cdlink",
    "price": "cdlink",
    "stock": "cdlink",
}


class CatalogSettingsError(CdlinkError):
    """Catalog settings that cannot be saved."""

    default_hint = "Direction is import, export or both; each field's owner is cdlink or cdiscount."


@dataclass(frozen=True)
class Settings:
    direction: str
    owners: Mapping[str, str]

    @property
    def exports(self) -> bool:
        return self.direction in ("export", "both")

    @property
    def imports(self) -> bool:
        return self.direction in ("import", "both")

    def cdiscount_owns(self, field: str) -> bool:
        return self.owners.get(field, "cdlink") == "cdiscount"


def _stock_owner(session: Session, connection_id: int) -> str:
    connection = session.get(Connection, connection_id)
    return "cdlink" if connection is not None and connection.stock_sync_enabled else "cdiscount"


def settings(session: Session, connection_id: int) -> Settings:
    row = session.get(CatalogSettings, connection_id)
    stock = {"stock": _stock_owner(session, connection_id)}
    if row is None:
        return Settings("both", {**DEFAULT_OWNERS, **stock})
    return Settings(row.direction, {**DEFAULT_OWNERS, **row.owners, **stock})


def save_settings(
    session: Session,
    connection_id: int,
    direction: str,
    owners: Mapping[str, str],
    now: datetime,
) -> Settings:
    if direction not in DIRECTIONS:
        raise CatalogSettingsError(translatable("The direction must be import, export or both"))
    for name, owner in owners.items():
        if name not in OWNED_FIELDS or owner not in OWNERS:
            raise CatalogSettingsError(translatable("Unknown field or owner"))
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise CatalogSettingsError(translatable("There is no connection with this number"))
    row = session.get(CatalogSettings, connection_id)
    if row is None:
        row = CatalogSettings(connection_id=connection_id)
        session.add(row)
    row.direction = direction
    row.owners = {name: owner for name, owner in owners.items() if name != "stock"}
    if "stock" in owners:  # the stock synchronisation switch is who owns the stock
        connection.stock_sync_enabled = owners["stock"] == "cdlink"
    row.updated_at = now
    session.flush()
    return settings(session, connection_id)


def as_sent(data: ProductData, row: ProductPublication | None, owners: Settings) -> ProductData:
    """``data`` as its sheet goes to Cdiscount: every field Cdiscount owns carries the value
    Cdiscount holds (when known), not cdlink's."""
    held = (row.marketplace_fields if row is not None else None) or {}
    changes: dict[str, Any] = {}
    for name in SHEET_FIELDS:
        if owners.cdiscount_owns(name) and name in held:
            value = held[name]
            if name == "pictures":
                value = tuple(value or ())
            elif name == "attributes":
                value = {key: tuple(values) for key, values in (value or {}).items()}
            changes[name] = value if value is not None else ""
    return replace(data, **changes) if changes else data


def remember_sent(row: ProductPublication, data: ProductData) -> None:
    """Keep the sheet fields as Cdiscount now holds them (what was sent, or read)."""
    row.marketplace_fields = {
        "title": data.title,
        "description": data.description,
        "pictures": list(data.pictures),
        "attributes": {key: list(values) for key, values in data.attributes.items()},
    }


def publication(session: Session, connection_id: int, product_id: int) -> ProductPublication | None:
    return session.scalar(
        select(ProductPublication).where(
            ProductPublication.connection_id == connection_id,
            ProductPublication.product_id == product_id,
        )
    )


def publications(session: Session, connection_id: int) -> dict[int, ProductPublication]:
    """Every publication of a connection, by product id."""
    query = select(ProductPublication).where(ProductPublication.connection_id == connection_id)
    return {row.product_id: row for row in session.scalars(query)}


def ensure(
    session: Session, connection_id: int, product_id: int, status: str, now: datetime
) -> ProductPublication:
    row = publication(session, connection_id, product_id)
    if row is None:
        row = ProductPublication(
            connection_id=connection_id,
            product_id=product_id,
            status=status,
            problems=[],
            reasons=[],
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


def set_problems(
    row: ProductPublication, problems: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """Record the validator's verdict: problems make the sheet ``needs_fixing``; a clean sheet
    that was waiting to be fixed becomes ``queued``."""
    row.problems = [dict(problem) for problem in problems]
    if problems and row.status not in PENDING:
        row.status = NEEDS_FIXING
    elif not problems and row.status == NEEDS_FIXING:
        row.status = QUEUED
    row.updated_at = now


def record_report(  # noqa: PLR0917
    session: Session,
    connection_id: int,
    sku: str,
    package_id: str,
    status: str,
    messages: Sequence[Mapping[str, Any]],
    now: datetime,
) -> None:
    session.add(
        ProductReport(
            connection_id=connection_id,
            sku=sku,
            package_id=package_id,
            status=status,
            messages=[dict(message) for message in messages],
            received_at=now,
        )
    )


def report_history(session: Session, connection_id: int, sku: str) -> list[ProductReport]:
    query = (
        select(ProductReport)
        .where(ProductReport.connection_id == connection_id, ProductReport.sku == sku)
        .order_by(ProductReport.received_at.desc(), ProductReport.id.desc())
    )
    return list(session.scalars(query.limit(100)))


@dataclass(frozen=True)
class Reconciliation:
    """Sheets sent to Cdiscount, and what became of them: sent = live + refused + pending."""

    sent: int
    live: int
    refused: int
    pending: int
    needs_fixing: int
    queued: int


def reconciliation(session: Session, connection_id: int) -> Reconciliation:
    query = (
        select(ProductPublication.status, func.count())
        .where(ProductPublication.connection_id == connection_id)
        .group_by(ProductPublication.status)
    )
    counts: dict[str, int] = {status: int(count) for status, count in session.execute(query)}
    sent_query = select(func.count()).where(
        ProductPublication.connection_id == connection_id,
        ProductPublication.status.in_((*PENDING, INTEGRATED, REFUSED)),
    )
    pending = sum(counts.get(status, 0) for status in PENDING)
    return Reconciliation(
        sent=session.scalar(sent_query) or 0,
        live=counts.get(INTEGRATED, 0),
        refused=counts.get(REFUSED, 0),
        pending=pending,
        needs_fixing=counts.get(NEEDS_FIXING, 0),
        queued=counts.get(QUEUED, 0),
    )


def statuses_by_sku(session: Session, connection_id: int) -> dict[str, ProductPublication]:
    query = (
        select(Product.sku, ProductPublication)
        .join(ProductPublication, ProductPublication.product_id == Product.id)
        .where(ProductPublication.connection_id == connection_id)
    )
    found: dict[str, ProductPublication] = {}
    for sku, row in session.execute(query):
        found[sku] = row
    return found
