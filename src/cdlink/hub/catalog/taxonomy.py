"""The marketplace's category taxonomy, cached per connection, and searched by the pickers.

The ``taxonomy`` stream (``cdlink.sync.catalog.taxonomy``) reads the ~8,000 categories once a
week, or when a person asks (``cdlink catalog refresh-taxonomy``, the mapping page), and replaces
the cache in one transaction; it also reads the properties of the categories a mapping uses.
Pages, the API and the validator read only this cache: no web request calls the marketplace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from cdlink.store.models import CatalogCategory

#: The stream that fills the cache.
STREAM = "taxonomy"
PATH_SEPARATOR = " > "
MAXIMUM_RESULTS = 50


@dataclass(frozen=True)
class TaxonomyEntry:
    """One category as the stream read it."""

    reference: str
    label: str
    level: int
    parent_references: Sequence[str] = ()
    is_brand_mandatory: bool = False
    is_variant: bool = False


@dataclass(frozen=True)
class CategoryChoice:
    """A category as the pickers show it: its reference, label and path."""

    reference: str
    label: str
    level: int
    path: str
    is_variant: bool
    is_brand_mandatory: bool

    @property
    def accepts_products(self) -> bool:
        return self.level == 3 and len(self.reference) == 6


def replace_taxonomy(
    session: Session, connection_id: int, entries: Iterable[TaxonomyEntry], now: datetime
) -> int:
    """Replace the connection's cached taxonomy (keeping properties already read); returns the
    number of categories kept."""
    kept_properties = {
        row.reference: row.properties
        for row in session.scalars(
            select(CatalogCategory).where(
                CatalogCategory.connection_id == connection_id,
                CatalogCategory.properties.is_not(None),
            )
        )
    }
    session.execute(delete(CatalogCategory).where(CatalogCategory.connection_id == connection_id))
    by_reference = {entry.reference: entry for entry in entries}
    for entry in by_reference.values():
        parents = list(entry.parent_references) or _prefixes(entry.reference)
        labels = [by_reference[ref].label for ref in parents if ref in by_reference]
        session.add(
            CatalogCategory(
                connection_id=connection_id,
                reference=entry.reference,
                label=entry.label[:200],
                level=entry.level,
                path=PATH_SEPARATOR.join([*labels, entry.label])[:700],
                is_brand_mandatory=entry.is_brand_mandatory,
                is_variant=entry.is_variant,
                properties=kept_properties.get(entry.reference),
                fetched_at=now,
            )
        )
    session.flush()
    return len(by_reference)


def _prefixes(reference: str) -> list[str]:
    """Cdiscount's references nest by prefix: 2, 4 then 6 characters."""
    return [reference[:size] for size in (2, 4) if size < len(reference)]


def store_properties(
    session: Session, connection_id: int, reference: str, properties: list[dict[str, Any]]
) -> bool:
    row = _row(session, connection_id, reference)
    if row is None:
        return False
    row.properties = properties
    return True


def _row(session: Session, connection_id: int, reference: str) -> CatalogCategory | None:
    return session.scalar(
        select(CatalogCategory).where(
            CatalogCategory.connection_id == connection_id,
            CatalogCategory.reference == reference,
        )
    )


def _choice(row: CatalogCategory) -> CategoryChoice:
    return CategoryChoice(
        row.reference, row.label, row.level, row.path, row.is_variant, row.is_brand_mandatory
    )


def category(session: Session, connection_id: int, reference: str) -> CategoryChoice | None:
    row = _row(session, connection_id, reference)
    return None if row is None else _choice(row)


def category_properties(
    session: Session, connection_id: int, reference: str
) -> list[dict[str, Any]] | None:
    """The cached properties of a category; None while they were never read."""
    row = _row(session, connection_id, reference)
    return None if row is None else row.properties


def count_categories(session: Session, connection_id: int) -> int:
    query = select(func.count()).where(CatalogCategory.connection_id == connection_id)
    return session.scalar(query) or 0


def fetched_at(session: Session, connection_id: int) -> datetime | None:
    query = select(func.max(CatalogCategory.fetched_at)).where(
        CatalogCategory.connection_id == connection_id
    )
    return session.scalar(query)


def search(
    session: Session,
    connection_id: int,
    text: str,
    *,
    leaves_only: bool = True,
    limit: int = MAXIMUM_RESULTS,
) -> list[CategoryChoice]:
    """Categories whose reference, label or path holds every word of ``text`` (any case),
    level 3 first and by path."""
    query = select(CatalogCategory).where(CatalogCategory.connection_id == connection_id)
    if leaves_only:
        query = query.where(CatalogCategory.level == 3)
    for word in text.split()[:8]:
        pattern = f"%{word.lower()}%"
        query = query.where(
            or_(
                func.lower(CatalogCategory.path).like(pattern),
                func.lower(CatalogCategory.reference).like(pattern),
            )
        )
    query = query.order_by(CatalogCategory.level.desc(), CatalogCategory.path)
    return [_choice(row) for row in session.scalars(query.limit(max(1, min(limit, 200))))]
