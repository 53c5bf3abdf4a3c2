"""Product sheets that follow every rule of a category, for the catalog tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdlink.octopia import CategoryRules
from cdlink.octopia.models import (
    Category,
    CategoryProperty,
    ProductSheet,
    SheetAttribute,
    SheetPicture,
    gtin_check_digit,
)
from cdlink.sandbox import taxonomy

KNOWN_BRAND = "Maison Durand"


def ean13(number: int) -> str:
    body = f"376{number:09d}"
    return body + str(gtin_check_digit(body))


def leaf(predicate: Callable[[dict[str, Any]], bool]) -> str:
    """The reference of the first generated level-3 category matching ``predicate``."""
    return next(
        c["categoryReference"] for c in taxonomy.leaves() if "properties" not in c and predicate(c)
    )


def rules_of(reference: str) -> CategoryRules:
    return CategoryRules(
        Category.model_validate(taxonomy.by_reference()[reference]),
        [CategoryProperty.model_validate(p) for p in taxonomy.properties(reference)],
    )


def value_for(prop: CategoryProperty) -> str:
    return str(prop.choices[0]) if prop.choices else "10"


def valid_sheet(reference: str, number: int, **changes: Any) -> ProductSheet:
    """A sheet for category ``reference`` that breaks no rule: brand, four pictures, every
    property filled (variant ones too), a variant group in a variant category."""
    rules = rules_of(reference)
    fields: dict[str, Any] = {
        "gtin": ean13(number),
        "seller_product_reference": f"SHEET-{number:05d}",
        "title": f"Lampe de bureau articulée {number}",
        "description": "Lampe de bureau en métal, bras articulé, ampoule LED fournie.",
        "brand": KNOWN_BRAND,
        "category_code": reference,
        "seller_picture_urls": [
            SheetPicture(index=index, url=f"https://images.example.com/{number}/{index}.jpg")
            for index in range(1, 5)
        ],
        "attributes": [
            SheetAttribute(property_reference=prop.property_reference, values=[value_for(prop)])
            for prop in rules.properties
        ],
        "variant_group_reference": f"GROUP-{number}" if rules.category.is_variant else None,
    }
    fields.update(changes)
    return ProductSheet(**fields)
