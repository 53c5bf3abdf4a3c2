"""The Octopia catalog (§6.4, addendum §4): categories and the properties a category asks of a
product, brands, the product referential, product sheets and their integration reports.

Category references are 6 characters; only level-3 categories accept products. A sheet goes out
as a ``ProductSheet`` in a ``POST /products-integration`` package; what became of it is read,
SKU by SKU and after a lag, from ``/products-integration-reports`` as ``IntegrationReport``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator

from cdlink.octopia.models.base import CamelModel, RequiredText, UtcDatetime


class Necessity(StrEnum):
    MANDATORY = "Mandatory"
    RECOMMENDED = "Recommended"
    OPTIONAL = "Optional"


NecessityValue = Annotated[Necessity | str, Field(union_mode="left_to_right")]


class Category(CamelModel):
    category_reference: RequiredText = Field(
        validation_alias=AliasChoices("categoryReference", "reference")
    )
    label: str | None = None
    level: int | None = None
    parent_reference: str | None = None
    parent_references: list[str] | None = None
    is_active: bool | None = None
    is_brand_mandatory: bool | None = None
    is_variant: bool | None = None

    @property
    def accepts_products(self) -> bool:
        """Only level-3 categories (6-character references) take product sheets."""
        return len(self.category_reference) == 6 and self.level in (3, None)


class CategoryProperty(CamelModel):
    property_reference: RequiredText
    label: str | None = None
    necessity: NecessityValue | None = None
    choices: list[Any] = Field(default_factory=list)
    is_variation: bool | None = None
    is_size: bool | None = None
    is_multi_valued: bool | None = None

    @field_validator("property_reference", mode="before")
    @classmethod
    def _reference_as_text(cls, value: object) -> object:
        # One client sends and reads integer references (addendum §4).
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def is_mandatory(self) -> bool:
        return self.necessity == Necessity.MANDATORY

    @property
    def is_colour(self) -> bool:
        """The colour axis of a variant category: a variation property that is not the size."""
        return bool(self.is_variation) and not self.is_size


class Brand(CamelModel):
    """An entry of the brand referential (``GET /brands``; fields not published)."""

    reference: str | None = Field(
        None, validation_alias=AliasChoices("reference", "brandReference", "id")
    )
    name: RequiredText = Field(validation_alias=AliasChoices("name", "label", "brandName"))


# --- the product referential (GET /products) -------------------------------------------------


class ProductPicture(CamelModel):
    index: int | None = None
    url: str
    updated_at: UtcDatetime | None = None


class ProductCategory(CamelModel):
    reference: str
    label: str | None = None
    reference_path: str | None = None


class ProductBrand(CamelModel):
    reference: str | None = None
    name: str | None = None


class ProductSeller(CamelModel):
    reference: str | None = None
    """The seller id."""
    product_reference: str | None = None
    """The seller's SKU for this product."""
    is_creator: bool | None = None


class ProductPermissions(CamelModel):
    edit: bool | None = None
    enrich: bool | None = None


class Product(CamelModel):
    """A product of Octopia's referential: what an offer is made on."""

    reference: RequiredText
    gtin: str | None = None
    language: str | None = None
    label: str | None = None
    description: str | None = None
    pictures: list[ProductPicture] = Field(default_factory=list)
    category: ProductCategory | None = None
    brand: ProductBrand | None = None
    sellers: list[ProductSeller] = Field(default_factory=list)
    permissions: ProductPermissions | None = None
    is_marketable: bool | None = None

    @field_validator("gtin", mode="before")
    @classmethod
    def _gtin_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def seller_reference(self, seller_id: str | int) -> str | None:
        """The SKU under which ``seller_id`` sells this product, if any."""
        for seller in self.sellers:
            if seller.reference == str(seller_id):
                return seller.product_reference
        return None


# --- product sheets (POST /products-integration) ---------------------------------------------


class SheetPicture(CamelModel):
    index: int = Field(ge=1)
    url: RequiredText


class SheetAttribute(CamelModel):
    property_reference: RequiredText
    values: list[str] = Field(default_factory=list)
    files: list[Any] = Field(default_factory=list)


class ProductSheet(CamelModel):
    """One product sheet of a ``POST /products-integration`` package.

    The client sends ``gtin`` and ``propertyReference`` as strings; a real client was seen
    sending numbers (addendum §4), so the sandbox takes both.
    """

    gtin: RequiredText
    seller_product_reference: RequiredText
    title: str
    description: str
    brand: str | None = None
    category_code: RequiredText
    seller_picture_urls: list[SheetPicture] = Field(default_factory=list)
    attributes: list[SheetAttribute] = Field(default_factory=list)
    rich_marketing_description: str | None = None
    gtin_reference: str | None = None
    variant_group_reference: str | None = None
    language: str | None = "fr-FR"

    def values_of(self, property_reference: str) -> list[str]:
        return [
            value
            for attribute in self.attributes
            if attribute.property_reference == property_reference
            for value in attribute.values
            if value.strip()
        ]


class ProductPackage(CamelModel):
    """The answer to ``POST /products-integration``."""

    package_id: RequiredText = Field(validation_alias=AliasChoices("packageId", "id"))


# --- integration reports (GET /products-integration-reports) ---------------------------------


class ProductIntegrationStatus(StrEnum):
    INTEGRATED = "Integrated"
    """Live on the marketplace: only now can offers be made on it."""
    VALIDATED = "Validated"
    """Accepted, not live yet (being integrated, or held for a manual check)."""
    REFUSED = "Refused"


class OperationType(StrEnum):
    CREATION = "Creation"
    MODIFICATION = "Modification"
    IDENTICAL = "Identical"


ProductIntegrationStatusValue = Annotated[
    ProductIntegrationStatus | str, Field(union_mode="left_to_right")
]
OperationTypeValue = Annotated[OperationType | str, Field(union_mode="left_to_right")]

QUOTA_ERROR_CODE = "CreationQuotaExceeded"
"""The code of a report error refusing a creation over the hourly quota (sandbox's name)."""
MANUAL_CHECK_CODE = "ManualCheck"
"""The code of a report info saying the sheet waits for a human check (sandbox's name)."""


class ReportMessage(CamelModel):
    code: str | None = None
    field: str | None = None
    message: str | None = None
    type: str | None = None


class IntegrationReport(CamelModel):
    """What became of one sheet of a package."""

    gtin: str | None = None
    seller_product_reference: str | None = None
    product_reference: str | None = None
    package_id: str | None = None
    status: ProductIntegrationStatusValue | None = None
    operation_type: OperationTypeValue | None = None
    errors: list[ReportMessage] = Field(default_factory=list)
    warnings: list[ReportMessage] = Field(default_factory=list)
    infos: list[ReportMessage] = Field(default_factory=list)
    submission_date: UtcDatetime | None = None

    @field_validator("gtin", mode="before")
    @classmethod
    def _gtin_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @property
    def is_live(self) -> bool:
        return self.status == ProductIntegrationStatus.INTEGRATED

    @property
    def is_refused(self) -> bool:
        return self.status == ProductIntegrationStatus.REFUSED

    @property
    def is_quota_refusal(self) -> bool:
        """Refused only for the creation quota: send it again in a later hour."""
        return (
            self.is_refused
            and bool(self.errors)
            and all(error.code == QUOTA_ERROR_CODE for error in self.errors)
        )

    @property
    def awaits_manual_check(self) -> bool:
        return self.status == ProductIntegrationStatus.VALIDATED and any(
            info.code == MANUAL_CHECK_CODE for info in self.infos
        )
