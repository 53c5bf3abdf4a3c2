"""The product referential and product-sheet integration (reference §6.4, addendum §4).

``Referential`` holds every product of the marketplace (shared by all sellers, like Octopia's):
seeded with the products of the seeded offers, then grown by integrated sheets. A
``POST /products-integration`` package is kept per shop; ``product_report_lag_seconds`` later its
sheets are judged — each gets a report ``Validated`` or ``Refused`` (the rules of
``cdlink.octopia.models.catalog_rules``, the brand referential, the hourly creation quota) — and
``product_integration_seconds`` after that the validated ones become ``Integrated``: the product
enters the referential and offers can be made on it. Held sheets (variant ``manual_check``) stay
``Validated`` with a ``ManualCheck`` info.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from cdlink.octopia.models import (
    MANUAL_CHECK_CODE,
    QUOTA_ERROR_CODE,
    Category,
    CategoryProperty,
    ProductSheet,
    SheetProblem,
    check_sheet,
)
from cdlink.sandbox import taxonomy
from cdlink.sandbox.config import SandboxConfig
from cdlink.sandbox.serialize import timestamp

# Octopia's error table is not published (addendum §4): the sandbox's codes, by rule.
REPORT_CODES = {
    "gtin_format": "InvalidGtin",
    "gtin_checksum": "InvalidGtinChecksum",
    "seller_reference_missing": "MissingField",
    "title_missing": "MissingField",
    "title_length": "TitleTooLong",
    "title_html": "ForbiddenHtml",
    "title_characters": "ForbiddenCharacters",
    "description_characters": "ForbiddenCharacters",
    "description_missing": "MissingField",
    "description_length": "DescriptionTooLong",
    "description_html": "ForbiddenHtml",
    "marketing_description_length": "MarketingDescriptionTooLong",
    "marketing_description_tag": "ForbiddenHtmlTag",
    "marketing_description_link": "ForbiddenLink",
    "picture_missing": "MissingField",
    "picture_url": "InvalidPictureUrl",
    "picture_index": "InvalidPictureIndex",
    "category_level": "InvalidCategory",
    "category_mismatch": "InvalidCategory",
    "category_unknown": "InvalidCategory",
    "brand_missing": "MissingBrand",
    "variant_group_missing": "MissingVariantGroup",
    "colour_missing": "MissingColor",
    "size_missing": "MissingSize",
    "property_missing": "MissingMandatoryProperty",
    "property_choice": "InvalidPropertyValue",
    "property_single_value": "InvalidPropertyValue",
    "property_unknown": "UnknownProperty",
    "language": "UnsupportedLanguage",
    "duplicate_sheet": "DuplicatedProduct",
}
OPTIMAL_PICTURES = 4


class Timers(Protocol):
    config: SandboxConfig

    def schedule(self, due: datetime, kind: str, seller_id: int, target: str) -> None: ...


@dataclasses.dataclass(slots=True)
class CatalogProduct:
    reference: str
    gtin: str
    label: str
    description: str
    category_reference: str
    brand: str | None
    pictures: list[str]
    sellers: dict[int, str]
    creator: int | None
    updated_at: datetime
    language: str = "fr-FR"
    attributes: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    variant_group: str | None = None


@dataclasses.dataclass(slots=True)
class SheetOutcome:
    sheet: dict[str, Any]
    status: str | None = None
    operation: str | None = None
    errors: list[dict[str, str]] = dataclasses.field(default_factory=list)
    warnings: list[dict[str, str]] = dataclasses.field(default_factory=list)
    infos: list[dict[str, str]] = dataclasses.field(default_factory=list)
    parsed: ProductSheet | None = None


@dataclasses.dataclass(slots=True)
class ProductPackage:
    package_id: str
    seller_id: int
    submitted_at: datetime
    outcomes: list[SheetOutcome]
    judged: bool = False


class Referential:
    """Every product, by reference, with a GTIN index and a sorted key list for cursors."""

    def __init__(self) -> None:
        self.products: dict[str, CatalogProduct] = {}
        self.by_gtin: dict[str, str] = {}
        self._keys: list[str] = []

    def put(self, product: CatalogProduct) -> None:
        if product.reference not in self.products:
            bisect.insort(self._keys, product.reference)
        self.products[product.reference] = product
        self.by_gtin[product.gtin] = product.reference

    def get_gtin(self, gtin: str) -> CatalogProduct | None:
        reference = self.by_gtin.get(gtin)
        return self.products.get(reference) if reference else None

    def find(self, gtin: str | None, reference: str | None) -> CatalogProduct | None:
        if gtin:
            found = self.get_gtin(gtin)
            if found is not None:
                return found
        return self.products.get(reference) if reference else None

    def by_seller_reference(self, seller_id: int, sku: str) -> CatalogProduct | None:
        for product in self.products.values():
            if product.sellers.get(seller_id) == sku:
                return product
        return None

    def after(self, reference: str | None) -> Iterator[CatalogProduct]:
        """Products sorted by reference, starting after ``reference`` (a cursor)."""
        start = 0 if reference is None else bisect.bisect_right(self._keys, reference)
        for position in range(start, len(self._keys)):
            yield self.products[self._keys[position]]

    def __len__(self) -> int:
        return len(self.products)


class ProductShop:
    """One seller's product packages and the times of its recent creations (the quota)."""

    def __init__(self) -> None:
        self.packages: dict[str, ProductPackage] = {}
        self.package_order: list[str] = []
        self.creations: deque[datetime] = deque()

    def creations_since(self, moment: datetime) -> int:
        while self.creations and self.creations[0] <= moment:
            self.creations.popleft()
        return len(self.creations)


def report_message(code: str, field: str, message: str, kind: str) -> dict[str, str]:
    return {"code": code, "field": field, "message": message, "type": kind}


def normalise(item: Any) -> dict[str, Any]:
    """A sheet as the client model reads it: a number GTIN or propertyReference is taken as
    text (a real client sends numbers, addendum §4), values as text."""
    if not isinstance(item, dict):
        return {}
    sheet = dict(item)
    gtin = sheet.get("gtin")
    if isinstance(gtin, int) and not isinstance(gtin, bool):
        sheet["gtin"] = str(gtin)
    attributes = []
    for raw in sheet.get("attributes") or []:
        attribute = dict(raw) if isinstance(raw, dict) else raw
        if isinstance(attribute, dict):
            reference = attribute.get("propertyReference")
            if isinstance(reference, int) and not isinstance(reference, bool):
                attribute["propertyReference"] = str(reference)
            values = attribute.get("values")
            if isinstance(values, list):
                attribute["values"] = [str(value) for value in values]
        attributes.append(attribute)
    if "attributes" in sheet:
        sheet["attributes"] = attributes
    return sheet


def parse(raw: dict[str, Any]) -> tuple[ProductSheet | None, list[dict[str, str]]]:
    try:
        return ProductSheet.model_validate(raw), []
    except ValidationError as error:
        errors = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"]) or "$"
            code = "MissingField" if problem["type"] == "missing" else "InvalidField"
            errors.append(report_message(code, field, problem["msg"], "Error"))
        return None, errors


def category_rules(code: str) -> tuple[Category | None, list[CategoryProperty]]:
    found = taxonomy.by_reference().get(code)
    if found is None:
        return None, []
    category = Category.model_validate(found)
    if found["level"] != 3:
        return category, []
    return category, [CategoryProperty.model_validate(p) for p in taxonomy.properties(code)]


def judge_rules(config: SandboxConfig, sheet: ProductSheet) -> list[SheetProblem]:
    variants = config.variants
    lengths = (13,) if variants.product_gtin == "ean13" else (8, 12, 13, 14)
    category, properties = category_rules(sheet.category_code)
    problems = check_sheet(sheet, category, properties, gtin_lengths=lengths)
    if category is None and not any(p.field == "categoryCode" for p in problems):
        message = f"the category {sheet.category_code} does not exist"
        problems.append(
            SheetProblem("categoryCode", "category_unknown", message, value=sheet.category_code)
        )
    if variants.product_category_levels == "any" and category is not None:
        problems = [problem for problem in problems if problem.rule != "category_level"]
    return problems


def submit(
    timers: Timers,
    shop: ProductShop,
    *,
    referential: Referential,
    seller_id: int,
    package_id: str,
    items: list[Any],
    now: datetime,
) -> int | None:
    """Keep a package and schedule its judgement; with the ``status`` quota variant, return
    the seconds to wait instead when its creations do not fit in the hour."""
    config = timers.config
    if config.variants.creation_quota_refusal == "status" and config.product_creations_per_hour:
        creations = [
            item
            for item in (normalise(raw) for raw in items)
            if referential.get_gtin(str(item.get("gtin", ""))) is None
        ]
        used = shop.creations_since(now - timedelta(hours=1))
        if used + len(creations) > config.product_creations_per_hour:
            oldest = shop.creations[0] if shop.creations else now
            return max(1, int((oldest + timedelta(hours=1) - now).total_seconds()))
        shop.creations.extend([now] * len(creations))
    outcomes = [SheetOutcome(normalise(item)) for item in items]
    package = ProductPackage(package_id, seller_id, now, outcomes)
    shop.packages[package_id] = package
    shop.package_order.append(package_id)
    due = now + timedelta(seconds=config.product_report_lag_seconds)
    timers.schedule(due, "products.judge", seller_id, package_id)
    return None


def judge(
    timers: Timers, shop: ProductShop, referential: Referential, package_id: str, now: datetime
) -> None:
    package = shop.packages.get(package_id)
    if package is None or package.judged:
        return
    package.judged = True
    config = timers.config
    seen: set[tuple[str, str]] = set()
    for outcome in package.outcomes:
        keys = {
            ("sku", str(outcome.sheet.get("sellerProductReference"))),
            ("gtin", str(outcome.sheet.get("gtin"))),
        }
        if keys & seen:
            message = "the same SKU or GTIN is already in this package"
            outcome.status, outcome.operation = "Refused", None
            outcome.errors = [report_message("DuplicatedProduct", "gtin", message, "Error")]
            continue
        seen |= keys
        judge_one(
            config,
            shop,
            referential=referential,
            seller_id=package.seller_id,
            outcome=outcome,
            now=now,
        )
    due = now + timedelta(seconds=config.product_integration_seconds)
    timers.schedule(due, "products.integrate", package.seller_id, package_id)


def judge_one(
    config: SandboxConfig,
    shop: ProductShop,
    *,
    referential: Referential,
    seller_id: int,
    outcome: SheetOutcome,
    now: datetime,
) -> None:
    sheet, errors = parse(outcome.sheet)
    if sheet is None:
        outcome.status, outcome.operation, outcome.errors = "Refused", "Creation", errors
        return
    outcome.parsed = sheet
    existing = referential.get_gtin(sheet.gtin)
    outcome.operation = "Creation" if existing is None else modification(existing, sheet)
    outcome.errors = [
        report_message(
            REPORT_CODES.get(problem.rule, problem.rule), problem.field, problem.message, "Error"
        )
        for problem in judge_rules(config, sheet)
    ]
    limit = config.product_creations_per_hour
    quota_in_report = config.variants.creation_quota_refusal == "report"
    if not outcome.errors and existing is None and limit and quota_in_report:
        if shop.creations_since(now - timedelta(hours=1)) >= limit:
            message = f"at most {limit} new products per hour; send this sheet again later"
            outcome.errors.append(report_message(QUOTA_ERROR_CODE, "gtin", message, "Error"))
        else:
            shop.creations.append(now)
    if outcome.errors:
        outcome.status = "Refused"
        return
    outcome.status = "Validated"
    outcome.warnings = warnings_of(sheet)
    unknown_brand = sheet.brand and sheet.brand.casefold() not in taxonomy.brand_names()
    if config.variants.manual_check == "new_brands" and unknown_brand and existing is None:
        message = f"the brand {sheet.brand!r} is new: the sheet waits for a manual check"
        outcome.infos.append(report_message(MANUAL_CHECK_CODE, "brand", message, "Info"))


def modification(existing: CatalogProduct, sheet: ProductSheet) -> str:
    same = (
        existing.label == sheet.title
        and existing.description == sheet.description
        and existing.category_reference == sheet.category_code
        and (existing.brand or None) == (sheet.brand or None)
    )
    return "Identical" if same else "Modification"


def warnings_of(sheet: ProductSheet) -> list[dict[str, str]]:
    found = []
    if len(sheet.seller_picture_urls) < OPTIMAL_PICTURES:
        message = f"{len(sheet.seller_picture_urls)} picture(s); {OPTIMAL_PICTURES} sell better"
        found.append(report_message("PictureCount", "sellerPictureUrls", message, "Warning"))
    _, properties = category_rules(sheet.category_code)
    for prop in properties:
        if prop.necessity == "Recommended" and not sheet.values_of(prop.property_reference):
            message = f"{prop.label or prop.property_reference} is recommended"
            found.append(
                report_message("RecommendedPropertyMissing", "attributes", message, "Warning")
            )
    return found


def integrate(
    timers: Timers, shop: ProductShop, referential: Referential, package_id: str, now: datetime
) -> None:
    package = shop.packages.get(package_id)
    if package is None:
        return
    for outcome in package.outcomes:
        if outcome.status != "Validated" or outcome.parsed is None:
            continue
        if any(info["code"] == MANUAL_CHECK_CODE for info in outcome.infos):
            continue
        put_sheet(referential, package.seller_id, outcome.parsed, now)
        outcome.status = "Integrated"


def put_sheet(
    referential: Referential, seller_id: int, sheet: ProductSheet, now: datetime
) -> CatalogProduct:
    existing = referential.get_gtin(sheet.gtin)
    pictures = [p.url for p in sorted(sheet.seller_picture_urls, key=lambda p: p.index)]
    if existing is not None:
        existing.sellers[seller_id] = sheet.seller_product_reference
        if existing.creator in (None, seller_id):
            existing.label, existing.description = sheet.title, sheet.description
            existing.category_reference, existing.brand = sheet.category_code, sheet.brand
            existing.pictures = pictures or existing.pictures
            existing.updated_at = now
        return existing
    product = CatalogProduct(
        reference=sheet.gtin,
        gtin=sheet.gtin,
        label=sheet.title,
        description=sheet.description,
        category_reference=sheet.category_code,
        brand=sheet.brand,
        pictures=pictures,
        sellers={seller_id: sheet.seller_product_reference},
        creator=seller_id,
        updated_at=now,
        language=sheet.language or "fr-FR",
        attributes={a.property_reference: list(a.values) for a in sheet.attributes},
        variant_group=sheet.variant_group_reference,
    )
    referential.put(product)
    return product


def report_json(package: ProductPackage, outcome: SheetOutcome) -> dict[str, Any]:
    sheet = outcome.sheet
    gtin = sheet.get("gtin")
    return {
        "gtin": None if gtin is None else str(gtin),
        "sellerProductReference": sheet.get("sellerProductReference"),
        "productReference": (None if outcome.status != "Integrated" or gtin is None else str(gtin)),
        "packageId": package.package_id,
        "status": outcome.status,
        "operationType": outcome.operation,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
        "infos": outcome.infos,
        "submissionDate": timestamp(package.submitted_at),
    }


def product_json(product: CatalogProduct, seller_id: int) -> dict[str, Any]:
    category = taxonomy.by_reference().get(product.category_reference, {})
    path = "/".join(
        taxonomy.by_reference()[ref]["label"]
        for ref in (*category.get("parentReferences", []), product.category_reference)
        if ref in taxonomy.by_reference()
    )
    brand = taxonomy.brands_by_name().get(product.brand or "")
    return {
        "reference": product.reference,
        "gtin": product.gtin,
        "language": product.language,
        "label": product.label,
        "description": product.description,
        "pictures": [
            {"index": index, "url": url, "updatedAt": timestamp(product.updated_at)}
            for index, url in enumerate(product.pictures, 1)
        ],
        "category": {
            "reference": product.category_reference,
            "label": category.get("label"),
            "referencePath": path,
        },
        "brand": None
        if product.brand is None
        else {"reference": brand["reference"] if brand else None, "name": product.brand},
        "sellers": [
            {
                "reference": str(seller),
                "productReference": sku,
                "isCreator": seller == product.creator,
            }
            for seller, sku in product.sellers.items()
        ],
        "permissions": {"edit": product.creator == seller_id, "enrich": True},
        "isMarketable": True,
    }
