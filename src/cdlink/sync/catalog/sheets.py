"""The sheet mapper and the pre-flight validator.

``build_sheet`` turns a hub product and its connection's category mapping into the marketplace's
``ProductSheet`` (pure); ``validate`` runs every rule of the client's ``check_sheet`` against the
cached taxonomy (no call is made) and adds the hub's own (an unmapped category), each problem
with its field, rule and fix hint (``cdlink.hub.catalog.hints``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cdlink.hub.catalog import mappings, taxonomy
from cdlink.hub.catalog.hints import hint
from cdlink.hub.catalog.products import ProductData
from cdlink.octopia.models import (
    Category,
    CategoryProperty,
    ProductSheet,
    SheetAttribute,
    SheetPicture,
    check_sheet,
)

#: What stands in a sheet for a missing EAN or category (the rules then report it).
MISSING = "-"


@dataclass(frozen=True)
class Problem:
    """One problem of a sheet: where, which rule, what is wrong and what to do (English; the
    pages translate ``hint``)."""

    field: str
    rule: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message, "hint": self.hint}


@dataclass(frozen=True)
class CategoryRules:
    category: Category | None
    properties: Sequence[CategoryProperty]


class RulesCache:
    """The categories and properties of one connection's taxonomy cache, read once per run."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session, self.connection_id = session, connection_id
        self._rules: dict[str, CategoryRules] = {}
        self._mappings: dict[str, mappings.SellerMapping | None] = {}

    def mapping(self, seller_category: str) -> mappings.SellerMapping | None:
        if seller_category not in self._mappings:
            self._mappings[seller_category] = mappings.mapping_for(
                self.session, self.connection_id, seller_category
            )
        return self._mappings[seller_category]

    def rules(self, reference: str) -> CategoryRules:
        if reference not in self._rules:
            choice = taxonomy.category(self.session, self.connection_id, reference)
            raw = taxonomy.category_properties(self.session, self.connection_id, reference)
            category = (
                None
                if choice is None
                else Category(
                    category_reference=choice.reference,
                    label=choice.label,
                    level=choice.level,
                    is_brand_mandatory=choice.is_brand_mandatory,
                    is_variant=choice.is_variant,
                )
            )
            properties = [CategoryProperty.model_validate(item) for item in raw or ()]
            self._rules[reference] = CategoryRules(category, properties)
        return self._rules[reference]

    def known(self) -> bool:
        return taxonomy.count_categories(self.session, self.connection_id) > 0


def category_of(
    product: ProductData, cache: RulesCache
) -> tuple[str | None, mappings.SellerMapping | None]:
    mapping = cache.mapping(product.seller_category) if product.seller_category else None
    if mapping is not None:
        return mapping.category_reference, mapping
    return product.marketplace_category, None


def build_sheet(
    product: ProductData, category_code: str, mapping: mappings.SellerMapping | None
) -> ProductSheet:
    attributes = mappings.sheet_attributes(mapping, product.attributes)
    return ProductSheet(
        gtin=product.ean or MISSING,
        seller_product_reference=product.sku,
        title=product.title,
        description=product.description,
        brand=product.brand,
        category_code=category_code,
        seller_picture_urls=[
            SheetPicture(index=position, url=url)
            for position, url in enumerate(product.pictures, start=1)
        ],
        attributes=[
            SheetAttribute(property_reference=reference, values=list(values))
            for reference, values in attributes.items()
        ],
        rich_marketing_description=product.marketing_description,
        variant_group_reference=product.variant_group,
    )


def validate(product: ProductData, cache: RulesCache) -> tuple[ProductSheet | None, list[Problem]]:
    """The sheet of ``product`` and every problem it has (a sheet is sent only without any)."""
    code, mapping = category_of(product, cache)
    problems: list[Problem] = []
    if not code:
        problems.append(
            Problem(
                "category",
                "category_unmapped",
                "the product's category is not mapped to a Cdiscount category",
                hint("category_unmapped"),
            )
        )
    sheet = build_sheet(product, code or MISSING, mapping)
    rules = cache.rules(code) if code else CategoryRules(None, ())
    if code and rules.category is None and cache.known():
        problems.append(
            Problem(
                "categoryCode",
                "category_unknown",
                f"the category {code} is not in the taxonomy",
                hint("category_unknown"),
            )
        )
    for found in check_sheet(sheet, rules.category, rules.properties):
        if found.rule == "category_level" and not code:
            continue  # already said: the category is not mapped
        message = found.message
        if found.field == "gtin" and not product.ean:
            message = "the EAN is missing"
        problems.append(Problem(found.field, found.rule, message, hint(found.rule)))
    return (None if problems else sheet), problems
