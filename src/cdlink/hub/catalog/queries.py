"""Reading the catalog for the Products page: products with their offers, paged in SQL.

A product's offers are its bindings of kind ``offer`` (one per connection whose offers were
imported with that SKU), read for the whole page in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cdlink.store import search
from cdlink.store.models import Binding, Product

MAXIMUM_PAGE_SIZE = 200
OFFER_KIND = "offer"


@dataclass(frozen=True)
class OfferBinding:
    connection_id: int
    offer_id: str


@dataclass(frozen=True)
class CatalogRow:
    product_id: int
    sku: str
    ean: str | None
    title: str
    price: Decimal | None
    offers: list[OfferBinding]


@dataclass(frozen=True)
class CatalogPage:
    rows: list[CatalogRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def count_products(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Product)) or 0


def list_products(
    session: Session,
    text: str | None = None,
    *,
    page: int = 1,
    page_size: int = 50,
    skus: Sequence[str] | None = None,
) -> CatalogPage:
    """One page of the catalog, ordered by SKU; ``text`` matches the SKU, EAN or title;
    ``skus`` (when given) restricts it to those."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAXIMUM_PAGE_SIZE)
    query = select(Product)
    if skus is not None:
        query = query.where(Product.sku.in_(list(skus)))
    found = search.matching(session, search.PRODUCTS, text)
    if found is not None:
        query = query.where(found)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page_query = query.order_by(Product.sku).offset((page - 1) * page_size).limit(page_size)
    products: list[Product] = list(session.scalars(page_query))
    offers: dict[str, list[OfferBinding]] = defaultdict(list)
    if products:
        bindings = select(Binding).where(
            Binding.kind == OFFER_KIND,
            Binding.local_id.in_([str(product.id) for product in products]),
        )
        for binding in session.scalars(bindings.order_by(Binding.connection_id)):
            offers[binding.local_id].append(
                OfferBinding(binding.connection_id, binding.external_id)
            )
    rows = [
        CatalogRow(
            product.id,
            product.sku,
            product.ean,
            product.title,
            product.price,
            offers.get(str(product.id), []),
        )
        for product in products
    ]
    return CatalogPage(rows, int(total), page, page_size)
