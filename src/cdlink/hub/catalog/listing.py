"""The Products page and ``GET /api/v1/products``: products with their publishing status on a
connection, filtered by text, status and problem, paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog.products import ProductData, find
from cdlink.store import search
from cdlink.store.models import Connection, Product, ProductPublication

MAXIMUM_PAGE_SIZE = 200
#: The status a product without a publication shows (never validated for this connection).
DRAFT = "draft"


class NoConnectionError(CdlinkError):
    """The catalog needs a connection and there is none, or not the one asked for."""

    default_hint = translatable("Add a Cdiscount application on the Apps page first.")


@dataclass(frozen=True)
class ProductRow:
    data: ProductData
    status: str
    problems: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    sent_at: datetime | None
    live_at: datetime | None
    manual_check_since: datetime | None
    # The offer made once live: recorded (asked for) and confirmed (Cdiscount took it).
    offer_recorded_at: datetime | None = None
    offer_confirmed_at: datetime | None = None

    @property
    def offer_waiting(self) -> bool:
        """An offer recorded and not confirmed yet: the products stream sends it again."""
        return self.offer_recorded_at is not None and self.offer_confirmed_at is None


@dataclass(frozen=True)
class ProductPage:
    rows: list[ProductRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def default_connection(session: Session) -> int | None:
    """The connection the catalog pages show when none is chosen: the first one."""
    return session.scalar(select(func.min(Connection.id)))


def row_of(publication: ProductPublication | None, data: ProductData) -> ProductRow:
    if publication is None:
        return ProductRow(data, DRAFT, [], [], None, None, None)
    return ProductRow(
        data,
        publication.status,
        list(publication.problems or []),
        list(publication.reasons or []),
        publication.sent_at,
        publication.live_at,
        publication.manual_check_since,
        publication.offer_sent_at,
        publication.offer_confirmed_at,
    )


def list_products(
    session: Session,
    connection_id: int | None,
    *,
    text: str | None = None,
    status: str | None = None,
    problem: str | None = None,
    page: int = 1,
    page_size: int = 50,
    updated_since: datetime | None = None,
) -> ProductPage:
    """One page of products by SKU; ``status`` is a publishing status (or ``draft``), ``problem``
    a rule code the validator or Cdiscount reported; ``updated_since``: products changed since."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAXIMUM_PAGE_SIZE)
    joined = and_(
        ProductPublication.product_id == Product.id,
        ProductPublication.connection_id == (connection_id or 0),
    )
    query = select(Product, ProductPublication).outerjoin(ProductPublication, joined)
    found = search.matching(session, search.PRODUCTS, (text or "").strip()[:100])
    if found is not None:
        query = query.where(found)
    if status == DRAFT:
        query = query.where(ProductPublication.id.is_(None))
    elif status:
        query = query.where(ProductPublication.status == status)
    if updated_since is not None:
        query = query.where(Product.updated_at >= updated_since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows: list[ProductRow] = []
    ordered = query.order_by(Product.sku)
    if not problem:
        ordered = ordered.offset((page - 1) * page_size).limit(page_size)
    for product, publication in session.execute(ordered):
        row = _row(session, product, publication)
        if problem and not any(
            item.get("rule") == problem for item in (*row.problems, *row.reasons)
        ):
            continue
        rows.append(row)
    if problem:  # rules live in JSON: filtered here, then paged
        total = len(rows)
        rows = rows[(page - 1) * page_size : page * page_size]
    return ProductPage(rows, int(total), page, page_size)


def _row(session: Session, product: Product, publication: ProductPublication | None) -> ProductRow:
    found = find(session, product.sku)
    assert found is not None
    return row_of(publication, found[1])


def one(session: Session, connection_id: int | None, sku: str) -> ProductRow | None:
    found = find(session, sku)
    if found is None:
        return None
    product, data = found
    publication = session.scalar(
        select(ProductPublication).where(
            ProductPublication.connection_id == (connection_id or 0),
            ProductPublication.product_id == product.id,
        )
    )
    return row_of(publication, data)
