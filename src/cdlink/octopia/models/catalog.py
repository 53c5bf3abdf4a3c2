"""The Octopia catalog: categories and the properties a category asks of a product (§6.4).

Category references are 6 characters; only level-3 categories accept products.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from cdlink.octopia.models.base import CamelModel, RequiredText


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


class CategoryProperty(CamelModel):
    property_reference: RequiredText
    label: str | None = None
    necessity: NecessityValue | None = None
    choices: list[Any] = Field(default_factory=list)
    is_variation: bool | None = None
    is_size: bool | None = None
