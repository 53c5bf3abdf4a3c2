"""Catalog test helpers: products with sheets valid for a cached leaf category."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from cdlink.hub.catalog import mappings, products, taxonomy
from cdlink.jobs.environment import JobEnvironment
from cdlink.store.models import CatalogCategory

CONNECTION = 1
SELLER_CATEGORY = "Mugs"


def gtin13(number: int) -> str:
    body = f"{360000000000 + number:012d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body[::-1]))
    return body + str((10 - total % 10) % 10)


def plain_leaf(environment: JobEnvironment) -> str:
    """A cached level-3 category that is neither a variant category nor brand-mandatory."""
    with environment.database.reading() as session:
        query = (
            select(CatalogCategory.reference)
            .where(
                CatalogCategory.connection_id == CONNECTION,
                CatalogCategory.level == 3,
                CatalogCategory.is_variant.is_(False),
            )
            .order_by(CatalogCategory.reference)
        )
        return str(session.scalars(query).first())


def map_category(environment: JobEnvironment, reference: str) -> None:
    with environment.database.session() as session:
        mappings.save_mapping(
            session, CONNECTION, SELLER_CATEGORY, reference, environment.clock.now()
        )


def mandatory_attributes(environment: JobEnvironment, reference: str) -> dict[str, list[str]]:
    """A value for each mandatory property of the category (its first choice, or a word)."""
    with environment.database.reading() as session:
        props: list[dict[str, Any]] = (
            taxonomy.category_properties(session, CONNECTION, reference) or []
        )
    found = {}
    for prop in props:
        if prop.get("necessity") == "Mandatory":
            choices = prop.get("choices") or []
            found[str(prop["propertyReference"])] = [str(choices[0]) if choices else "Acier"]
    return found


def add_products(
    environment: JobEnvironment,
    count: int,
    *,
    attributes: dict[str, list[str]],
    start: int = 0,
    price: Decimal | None = Decimal("19.90"),
) -> list[str]:
    skus = []
    with environment.database.session() as session:
        for index in range(start, start + count):
            sku = f"NEW-{index:04d}"
            products.save(
                session,
                environment.clock,
                products.ProductData(
                    sku=sku,
                    ean=gtin13(index),
                    title=f"Mug en céramique {index}",
                    description="Mug en céramique blanche, 33 cl, passe au lave-vaisselle.",
                    brand="Maison Test",
                    pictures=(f"https://images.example.com/{sku}.jpg",),
                    attributes=attributes,
                    seller_category=SELLER_CATEGORY,
                    price=price,
                ),
            )
            skus.append(sku)
    return skus
