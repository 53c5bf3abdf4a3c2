"""Reads of prices and promotions for the pages, the API, the CLI and the CSV export.

``list_prices`` gives one page of SKUs of a connection with everything the seller looks at: the
base price, the price on the connection (and whether it is an override), the strike price, a held
price with its reason, the last push and its outcome, what Cdiscount holds and shows, the best
offer and whether the seller holds it, the 30-day reference price, the guards. A fixed number of
queries per page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cdlink.hub.connections.accounts import get_connection
from cdlink.hub.pricing.prices import DEFAULT_VAT
from cdlink.hub.pricing.status import drifted, reference_price_of
from cdlink.store.models import (
    PriceList,
    Product,
    ProductPricing,
    Promotion,
    PromotionItem,
    SkuPrice,
)


@dataclasses.dataclass(frozen=True, slots=True)
class PriceRow:
    sku: str
    title: str
    base_price: Decimal | None
    vat_percent: Decimal
    floor: Decimal | None
    ceiling: Decimal | None
    override: Decimal | None
    price: Decimal | None
    strike_price: Decimal | None
    held_price: Decimal | None
    held_reason: str | None
    held_limit: Decimal | None
    sent_price: Decimal | None
    sent_at: datetime | None
    outcome: str | None
    reason: str | None
    confirmed_price: Decimal | None
    marketplace_price: Decimal | None
    displayed_price: Decimal | None
    read_at: datetime | None
    best_price: Decimal | None
    holds_best_offer: bool | None
    competitors: int | None
    reference_price: Decimal | None
    drifted: bool
    #: The latest change of the product, its guards or its price on the connection.
    updated_at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class PricePage:
    rows: list[PriceRow]
    total: int
    page: int
    page_size: int


def _row(
    session: Session,
    connection_id: int,
    *,
    product: Product,
    pricing: ProductPricing | None,
    row: SkuPrice | None,
    now: datetime,
) -> PriceRow:
    empty = SkuPrice(connection_id=connection_id, sku=product.sku)
    current = row or empty
    return PriceRow(
        sku=product.sku,
        title=product.title,
        base_price=product.price,
        vat_percent=pricing.vat_percent if pricing else DEFAULT_VAT,
        floor=pricing.floor if pricing else None,
        ceiling=pricing.ceiling if pricing else None,
        override=current.override,
        price=current.price,
        strike_price=current.strike_price,
        held_price=current.held_price,
        held_reason=current.held_reason,
        held_limit=current.held_limit,
        sent_price=current.sent_price,
        sent_at=current.sent_at,
        outcome=current.outcome,
        reason=current.reason,
        confirmed_price=current.confirmed_price,
        marketplace_price=current.marketplace_price,
        displayed_price=current.displayed_price,
        read_at=current.read_at,
        best_price=current.best_price,
        holds_best_offer=current.holds_best_offer,
        competitors=current.competitors,
        reference_price=reference_price_of(session, connection_id, product.sku, now)
        if row is not None
        else None,
        drifted=row is not None and drifted(row),
        updated_at=max(
            moment
            for moment in (
                product.updated_at,
                pricing.updated_at if pricing else None,
                row.updated_at if row else None,
            )
            if moment is not None
        ),
    )


def list_prices(
    session: Session,
    connection_id: int,
    now: datetime,
    *,
    q: str | None = None,
    held: bool = False,
    page: int = 1,
    page_size: int = 50,
    updated_since: datetime | None = None,
) -> PricePage:
    """One page of the connection's SKU prices, ordered by SKU; ``updated_since`` keeps those
    whose product, guards or price on the connection changed at or after it."""
    get_connection(session, connection_id)
    query = select(Product).outerjoin(
        SkuPrice, (SkuPrice.sku == Product.sku) & (SkuPrice.connection_id == connection_id)
    )
    if updated_since is not None:
        query = query.outerjoin(ProductPricing, ProductPricing.product_id == Product.id).where(
            or_(
                Product.updated_at >= updated_since,
                SkuPrice.updated_at >= updated_since,
                ProductPricing.updated_at >= updated_since,
            )
        )
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(
            or_(Product.sku.ilike(pattern), Product.title.ilike(pattern), Product.ean == q.strip())
        )
    if held:
        query = query.where(SkuPrice.held_price.is_not(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    products = list(
        session.scalars(query.order_by(Product.sku).offset((page - 1) * page_size).limit(page_size))
    )
    skus = [product.sku for product in products]
    rows = {
        row.sku: row
        for row in session.scalars(
            select(SkuPrice).where(SkuPrice.connection_id == connection_id, SkuPrice.sku.in_(skus))
        )
    }
    pricings = {
        pricing.product_id: pricing
        for pricing in session.scalars(
            select(ProductPricing).where(
                ProductPricing.product_id.in_([product.id for product in products])
            )
        )
    }
    found = [
        _row(
            session,
            connection_id,
            product=product,
            pricing=pricings.get(product.id),
            row=rows.get(product.sku),
            now=now,
        )
        for product in products
    ]
    return PricePage(found, total, page, page_size)


def get_price(session: Session, connection_id: int, sku: str, now: datetime) -> PriceRow | None:
    """The price row of one SKU, or ``None`` when no product has that SKU."""
    get_connection(session, connection_id)
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return None
    pricing = session.get(ProductPricing, product.id)
    row = session.get(SkuPrice, (connection_id, sku))
    return _row(session, connection_id, product=product, pricing=pricing, row=row, now=now)


def held_count(session: Session, connection_id: int) -> int:
    query = select(func.count()).where(
        SkuPrice.connection_id == connection_id, SkuPrice.held_price.is_not(None)
    )
    return session.scalar(query) or 0


def price_list_of(session: Session, connection_id: int) -> PriceList | None:
    return session.get(PriceList, connection_id)


def list_promotions(
    session: Session, connection_id: int, *, state: str | None = None
) -> list[Promotion]:
    """The connection's promotions, the next to start first (ended ones last)."""
    get_connection(session, connection_id)
    query = select(Promotion).where(Promotion.connection_id == connection_id)
    if state:
        query = query.where(Promotion.state == state)
    return list(session.scalars(query.order_by(Promotion.starts_at.desc(), Promotion.id.desc())))


def items_of(session: Session, promotion_ids: list[int]) -> dict[int, list[PromotionItem]]:
    found: dict[int, list[PromotionItem]] = {identifier: [] for identifier in promotion_ids}
    query = select(PromotionItem).where(PromotionItem.promotion_id.in_(promotion_ids))
    for item in session.scalars(query.order_by(PromotionItem.sku)):
        found[item.promotion_id].append(item)
    return found


@dataclasses.dataclass(frozen=True, slots=True)
class PriceCell:
    """A SKU's price on one connection as the Products and Stock lists show it."""

    connection_id: int
    sku: str
    price: Decimal | None
    override: Decimal | None
    strike_price: Decimal | None
    marketplace_price: Decimal | None
    displayed_price: Decimal | None
    held_price: Decimal | None
    held_reason: str | None
    held_limit: Decimal | None
    drifted: bool


def price_cells(
    session: Session, connection_ids: Sequence[int], skus: Sequence[str]
) -> dict[tuple[int, str], PriceCell]:
    """By (connection, SKU): the wanted price, Cdiscount's, a held one. One query."""
    if not connection_ids or not skus:
        return {}
    query = select(SkuPrice).where(
        SkuPrice.connection_id.in_(list(connection_ids)), SkuPrice.sku.in_(list(skus))
    )
    return {
        (row.connection_id, row.sku): PriceCell(
            connection_id=row.connection_id,
            sku=row.sku,
            price=row.price,
            override=row.override,
            strike_price=row.strike_price,
            marketplace_price=row.marketplace_price,
            displayed_price=row.displayed_price,
            held_price=row.held_price,
            held_reason=row.held_reason,
            held_limit=row.held_limit,
            drifted=drifted(row),
        )
        for row in session.scalars(query)
    }
