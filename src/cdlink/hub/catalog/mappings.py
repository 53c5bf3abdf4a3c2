"""Category mappings per connection: the seller's category → a level-3 Cdiscount category,
the seller's attribute names → property references, and values → the property's choices.

A mapping's category must be in the connection's taxonomy cache and take products (level 3);
``save_mapping`` refuses anything else with an error saying what to do. ``sheet_category`` and
``sheet_attributes`` are what the sheet mapper uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.hub.catalog import taxonomy
from cdlink.store.models import CategoryMapping


class MappingError(CdlinkError):
    """A category mapping that cannot be saved (unknown or non-leaf category, bad names);
    ``subject`` names the attribute or value at fault, if any."""

    def __init__(self, message: str, *, hint: str | None = None, subject: str = "") -> None:
        super().__init__(message, hint=hint)
        self.subject = subject


@dataclass(frozen=True)
class PropertyChoice:
    """A property of a mapped category, as the attribute-mapping form offers it."""

    reference: str
    label: str
    mandatory: bool
    choices: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.label} ({self.reference})" if self.label else self.reference


def category_properties(
    session: Session, connection_id: int, category_reference: str
) -> list[PropertyChoice] | None:
    """The properties of a cached category (mandatory first); None while never read."""
    raw = taxonomy.category_properties(session, connection_id, category_reference)
    if raw is None:
        return None
    found = [
        PropertyChoice(
            str(item.get("propertyReference", "")),
            str(item.get("label") or ""),
            item.get("necessity") == "Mandatory",
            tuple(str(choice) for choice in item.get("choices") or ()),
        )
        for item in raw
        if item.get("propertyReference") not in (None, "")
    ]
    return sorted(found, key=lambda item: (not item.mandatory, item.label.lower(), item.reference))


def _check_against_properties(
    properties: Sequence[PropertyChoice],
    attributes: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
) -> None:
    known = {item.reference: item for item in properties}
    for name, reference in attributes.items():
        if reference not in known:
            raise MappingError(
                translatable("This property is not one of the Cdiscount category's"),
                hint=translatable("Pick a property from the list of the mapped category."),
                subject=f"{name} → {reference}",
            )
    for reference, choices in values.items():
        prop = known.get(reference)
        if prop is None:
            raise MappingError(
                translatable("This property is not one of the Cdiscount category's"),
                hint=translatable("Pick a property from the list of the mapped category."),
                subject=reference,
            )
        if not prop.choices:
            raise MappingError(
                translatable("This property takes free text: its values cannot be mapped"),
                hint=translatable("Only properties with a list of choices take value mappings."),
                subject=prop.title,
            )
        for value, choice in choices.items():
            if choice not in prop.choices:
                raise MappingError(
                    translatable("This value is not one of the property's choices"),
                    hint=translatable("Pick one of the choices Cdiscount gives for the property."),
                    subject=f"{value} → {choice}",
                )


@dataclass(frozen=True)
class SellerMapping:
    seller_category: str
    category_reference: str
    attributes: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    category_path: str = ""


def mappings(session: Session, connection_id: int) -> list[SellerMapping]:
    rows = session.scalars(
        select(CategoryMapping)
        .where(CategoryMapping.connection_id == connection_id)
        .order_by(CategoryMapping.seller_category)
    )
    found = []
    for row in rows:
        choice = taxonomy.category(session, connection_id, row.category_reference)
        found.append(
            SellerMapping(
                row.seller_category,
                row.category_reference,
                dict(row.attributes),
                {key: dict(value) for key, value in row.values.items()},
                choice.path if choice else "",
            )
        )
    return found


def mapping_for(session: Session, connection_id: int, seller_category: str) -> SellerMapping | None:
    row = session.scalar(
        select(CategoryMapping).where(
            CategoryMapping.connection_id == connection_id,
            CategoryMapping.seller_category == seller_category,
        )
    )
    if row is None:
        return None
    return SellerMapping(
        row.seller_category,
        row.category_reference,
        dict(row.attributes),
        {key: dict(value) for key, value in row.values.items()},
    )


def save_mapping(
    session: Session,
    connection_id: int,
    seller_category: str,
    category_reference: str,
    now: datetime,
    *,
    attributes: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> SellerMapping:
    """Create or replace the mapping of ``seller_category``."""
    name = seller_category.strip()
    if not name or len(name) > 200:
        raise MappingError(
            translatable("The seller category must have 1 to 200 characters"),
            hint=translatable("Give the category name your products use."),
        )
    choice = taxonomy.category(session, connection_id, category_reference)
    if choice is None:
        raise MappingError(
            translatable("This Cdiscount category is not in the taxonomy"),
            hint=translatable(
                "Search the taxonomy and pick a category; refresh the taxonomy if it is empty."
            ),
        )
    if not choice.accepts_products:
        raise MappingError(
            translatable("Only a level-3 Cdiscount category takes products"),
            hint=translatable("Pick a category at the end of a path (level 3)."),
        )
    cleaned = _cleaned(attributes or {}, values or {})
    known = category_properties(session, connection_id, category_reference)
    if known is not None:
        _check_against_properties(known, *cleaned)
    row = session.scalar(
        select(CategoryMapping).where(
            CategoryMapping.connection_id == connection_id,
            CategoryMapping.seller_category == name,
        )
    )
    if row is None:
        row = CategoryMapping(connection_id=connection_id, seller_category=name)
        session.add(row)
    row.category_reference = category_reference
    row.attributes, row.values = cleaned
    row.updated_at = now
    session.flush()
    return SellerMapping(
        name, category_reference, dict(row.attributes), dict(row.values), choice.path
    )


def _cleaned(
    attributes: Mapping[str, str], values: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Names trimmed and bounded; an empty name or target is refused, naming it."""
    found: dict[str, str] = {}
    for name, reference in attributes.items():
        key, target = str(name).strip(), str(reference).strip()
        if not key or not target or len(key) > 200 or len(target) > 80:
            raise MappingError(
                translatable("Each attribute needs its name and a Cdiscount property"),
                hint=translatable("Fill both, or empty both to leave the line out."),
                subject=key or target,
            )
        found[key] = target
    chosen: dict[str, dict[str, str]] = {}
    for reference, choices in values.items():
        prop = str(reference).strip()[:80]
        for value, choice in choices.items():
            key, target = str(value).strip(), str(choice).strip()
            if not key or not target or len(key) > 200 or len(target) > 200:
                raise MappingError(
                    translatable("Each value needs your value and a Cdiscount choice"),
                    hint=translatable("Fill both, or empty both to leave the line out."),
                    subject=key or target,
                )
            chosen.setdefault(prop, {})[key] = target
    return found, chosen


def delete_mapping(session: Session, connection_id: int, seller_category: str) -> bool:
    result = session.execute(
        delete(CategoryMapping).where(
            CategoryMapping.connection_id == connection_id,
            CategoryMapping.seller_category == seller_category,
        )
    )
    return bool(getattr(result, "rowcount", 0))


def mapped_categories(session: Session, connection_id: int) -> set[str]:
    query = select(CategoryMapping.category_reference).where(
        CategoryMapping.connection_id == connection_id
    )
    return set(session.scalars(query))


def sheet_attributes(
    mapping: SellerMapping | None, attributes: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """The seller's attributes as property reference → values, through the mapping (names not
    mapped pass as they are; values mapped to a choice when the mapping says so)."""
    found: dict[str, list[str]] = {}
    for name, values in attributes.items():
        reference = (mapping.attributes.get(name) if mapping else None) or name
        choices = mapping.values.get(reference, {}) if mapping else {}
        found.setdefault(reference, []).extend(choices.get(value, value) for value in values)
    return found
