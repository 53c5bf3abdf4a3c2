"""The marketplace's product-sheet rules as a pure, fast pre-flight check (addendum §4).

``check_sheet`` reads one sheet against its category and the category's properties and returns
every broken rule as a typed ``SheetProblem`` (field, rule code, limit): nothing is sent, nothing
is fetched. The client refuses to send a package holding a sheet with problems; the sandbox
enforces the same rules and answers them in the integration report; cdlink's validator wraps the
problems with translated fix hints. Rule codes are stable names (see ``RULES``).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence

from cdlink.octopia.models.catalog import Category, CategoryProperty, ProductSheet

TITLE_MAX_LENGTH = 132
DESCRIPTION_MAX_LENGTH = 420
MARKETING_DESCRIPTION_MAX_LENGTH = 5000
MAX_SHEETS_PER_PACKAGE = 10_000
GTIN_LENGTHS = (8, 12, 13, 14)
LANGUAGES = ("fr-FR", "en-US", "en-GB", "es-ES")
ALLOWED_MARKETING_TAGS = frozenset({"b", "strong", "br", "body", "font", "table", "tr", "td", "th"})
# Title characters (Lengow's reading of Octopia's attribute rules): these Unicode classes, and a
# few symbols; no pictograms (So) or letters of other scripts without case (Lo).
TITLE_CLASSES = frozenset(
    {"Ll", "Lu", "Lm", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"}
    | {"Sm", "Sc", "Zs", "Cc"}
)
ALLOWED_SYMBOLS = frozenset("°©®™²³")

RULES: dict[str, str] = {
    "gtin_format": "the GTIN is 8, 12, 13 or 14 digits",
    "gtin_checksum": "the GTIN's last digit is its GS1 check digit",
    "seller_reference_missing": "the seller's SKU (sellerProductReference) is required",
    "title_missing": "the title is required",
    "title_length": f"the title has at most {TITLE_MAX_LENGTH} characters",
    "title_html": "the title holds no HTML",
    "title_characters": "the title uses letters, digits, punctuation and a few symbols only",
    "description_characters": "the description holds no pictograms",
    "description_missing": "the description is required",
    "description_length": f"the description has at most {DESCRIPTION_MAX_LENGTH} characters",
    "description_html": "the description is plain text, without HTML",
    "marketing_description_length": (
        f"the marketing description has at most {MARKETING_DESCRIPTION_MAX_LENGTH} characters"
    ),
    "marketing_description_tag": (
        "the marketing description uses only <b> <strong> <br> <body> <font> <table> <tr> <td> <th>"
    ),
    "marketing_description_link": "the marketing description holds no link",
    "picture_missing": "at least one picture is required",
    "picture_url": "a picture is an http(s) address",
    "picture_index": "picture indexes are distinct, from 1",
    "category_level": "the category is a 6-character level-3 category",
    "category_mismatch": "the category checked is the sheet's category",
    "category_unknown": "the category exists in the marketplace's taxonomy",
    "brand_missing": "this category requires a brand",
    "variant_group_missing": "a product of a variant category needs a variantGroupReference",
    "colour_missing": "a product of a variant category needs its colour",
    "size_missing": "a product of a variant category needs its size",
    "property_missing": "the category makes this property mandatory",
    "property_choice": "the value is one of the property's choices",
    "property_single_value": "the property takes one value",
    "property_unknown": "the category has no such property",
    "language": "the language is one of fr-FR, en-US, en-GB, es-ES",
    "duplicate_sheet": "a package holds one sheet per SKU and per GTIN",
}

_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_LINK = re.compile(r"(https?://|www\.|href\s*=)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class SheetProblem:
    """One broken rule of one sheet: where (``field``), which (``rule``) and its ``limit``."""

    field: str
    rule: str
    message: str
    limit: int | None = None
    value: str | None = None

    @property
    def description(self) -> str:
        return RULES.get(self.rule, self.rule)


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit completing ``body`` (digits) into a GTIN one digit longer."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(body[::-1]))
    return (10 - total % 10) % 10


def is_valid_gtin(value: object, lengths: Sequence[int] = GTIN_LENGTHS) -> bool:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return False
    if len(text) not in lengths:
        return False
    return gtin_check_digit(text[:-1]) == int(text[-1])


def check_gtin(gtin: str, lengths: Sequence[int] = GTIN_LENGTHS) -> list[SheetProblem]:
    if not gtin.isascii() or not gtin.isdigit() or len(gtin) not in lengths:
        expected = ", ".join(str(n) for n in lengths)
        message = f"the GTIN {gtin!r} is not {expected} digits"
        return [SheetProblem("gtin", "gtin_format", message, value=gtin)]
    if not is_valid_gtin(gtin, lengths):
        message = f"the GTIN {gtin} does not end with its check digit {gtin_check_digit(gtin[:-1])}"
        return [SheetProblem("gtin", "gtin_checksum", message, value=gtin)]
    return []


def has_html(text: str) -> bool:
    return _TAG.search(text) is not None


def forbidden_characters(text: str, *, title: bool) -> str:
    """The characters of ``text`` a title (or, with ``title=False``, a description: only
    pictograms) may not hold, each once, in order."""
    found: dict[str, None] = {}
    for char in unicodedata.normalize("NFC", text):
        if char in ALLOWED_SYMBOLS:
            continue
        kind = unicodedata.category(char)
        if (kind not in TITLE_CLASSES) if title else (kind == "So"):
            found[char] = None
    return "".join(found)


def check_texts(sheet: ProductSheet) -> list[SheetProblem]:
    found: list[SheetProblem] = []
    title, description = sheet.title.strip(), sheet.description.strip()
    if not title:
        found.append(SheetProblem("title", "title_missing", "the title is empty"))
    elif len(sheet.title) > TITLE_MAX_LENGTH:
        message = f"the title has {len(sheet.title)} characters, at most {TITLE_MAX_LENGTH}"
        found.append(SheetProblem("title", "title_length", message, TITLE_MAX_LENGTH))
    if has_html(sheet.title):
        found.append(SheetProblem("title", "title_html", "the title holds HTML tags"))
    if forbidden := forbidden_characters(sheet.title, title=True):
        message = f"the title holds characters not allowed: {forbidden}"
        found.append(SheetProblem("title", "title_characters", message, value=forbidden))
    if not description:
        found.append(SheetProblem("description", "description_missing", "the description is empty"))
    elif len(sheet.description) > DESCRIPTION_MAX_LENGTH:
        message = (
            f"the description has {len(sheet.description)} characters, "
            f"at most {DESCRIPTION_MAX_LENGTH}"
        )
        found.append(
            SheetProblem("description", "description_length", message, DESCRIPTION_MAX_LENGTH)
        )
    if has_html(sheet.description):
        message = "the description holds HTML; put formatting in the marketing description"
        found.append(SheetProblem("description", "description_html", message))
    if forbidden := forbidden_characters(sheet.description, title=False):
        message = f"the description holds pictograms: {forbidden}"
        found.append(
            SheetProblem("description", "description_characters", message, value=forbidden)
        )
    found += check_marketing_description(sheet.rich_marketing_description)
    return found


def check_marketing_description(text: str | None) -> list[SheetProblem]:
    if not text:
        return []
    field = "richMarketingDescription"
    found: list[SheetProblem] = []
    if len(text) > MARKETING_DESCRIPTION_MAX_LENGTH:
        message = (
            f"the marketing description has {len(text)} characters, "
            f"at most {MARKETING_DESCRIPTION_MAX_LENGTH}"
        )
        found.append(
            SheetProblem(
                field, "marketing_description_length", message, MARKETING_DESCRIPTION_MAX_LENGTH
            )
        )
    forbidden = sorted({tag.casefold() for _, tag in _TAG.findall(text)} - ALLOWED_MARKETING_TAGS)
    if forbidden:
        message = "tags not allowed: " + ", ".join(f"<{tag}>" for tag in forbidden)
        found.append(
            SheetProblem(field, "marketing_description_tag", message, value=",".join(forbidden))
        )
    if _LINK.search(text):
        message = "the marketing description holds a link"
        found.append(SheetProblem(field, "marketing_description_link", message))
    return found


def check_pictures(sheet: ProductSheet) -> list[SheetProblem]:
    field = "sellerPictureUrls"
    if not sheet.seller_picture_urls:
        return [SheetProblem(field, "picture_missing", "the sheet has no picture", 1)]
    found: list[SheetProblem] = []
    indexes = [picture.index for picture in sheet.seller_picture_urls]
    if len(set(indexes)) != len(indexes):
        found.append(SheetProblem(field, "picture_index", "two pictures share an index"))
    for position, picture in enumerate(sheet.seller_picture_urls):
        if not picture.url.startswith(("https://", "http://")):
            message = f"picture {picture.index} is not an http(s) address"
            found.append(SheetProblem(f"{field}[{position}].url", "picture_url", message))
    return found


def check_category(sheet: ProductSheet, category: Category | None) -> list[SheetProblem]:
    code = sheet.category_code
    if len(code) != 6 or not code.isalnum():
        message = f"the category {code!r} is not a 6-character level-3 code"
        return [SheetProblem("categoryCode", "category_level", message, 6, code)]
    if category is None:
        return []
    if category.category_reference != code:
        message = f"checked against {category.category_reference}, the sheet says {code}"
        return [SheetProblem("categoryCode", "category_mismatch", message, value=code)]
    if not category.accepts_products:
        message = f"the category {code} is level {category.level}; only level 3 takes products"
        return [SheetProblem("categoryCode", "category_level", message, 6, code)]
    return []


def check_properties(
    sheet: ProductSheet, category: Category | None, properties: Sequence[CategoryProperty]
) -> list[SheetProblem]:
    found: list[SheetProblem] = []
    variant = bool(category and category.is_variant)
    if category is not None and category.is_brand_mandatory and not (sheet.brand or "").strip():
        message = f"the category {category.category_reference} requires a brand"
        found.append(SheetProblem("brand", "brand_missing", message))
    if variant and not (sheet.variant_group_reference or "").strip():
        message = "a product of a variant category needs a variantGroupReference"
        found.append(SheetProblem("variantGroupReference", "variant_group_missing", message))
    by_reference = {prop.property_reference: prop for prop in properties}
    for position, attribute in enumerate(sheet.attributes):
        field = f"attributes[{position}]"
        prop = by_reference.get(attribute.property_reference)
        if prop is None:
            if properties:
                message = f"no property {attribute.property_reference!r} in this category"
                found.append(
                    SheetProblem(
                        field, "property_unknown", message, value=attribute.property_reference
                    )
                )
            continue
        found += check_values(field, prop, sheet.values_of(prop.property_reference))
    for prop in properties:
        if sheet.values_of(prop.property_reference):
            continue
        if variant and prop.is_variation:
            rule = "size_missing" if prop.is_size else "colour_missing"
            message = f"a variant product needs its {prop.label or prop.property_reference}"
        elif prop.is_mandatory:
            rule, message = (
                "property_missing",
                f"{prop.label or prop.property_reference} is mandatory",
            )
        else:
            continue
        found.append(SheetProblem("attributes", rule, message, value=prop.property_reference))
    return found


def check_values(field: str, prop: CategoryProperty, values: Sequence[str]) -> list[SheetProblem]:
    found: list[SheetProblem] = []
    if len(values) > 1 and not prop.is_multi_valued:
        message = f"{prop.property_reference} takes one value, got {len(values)}"
        found.append(SheetProblem(field, "property_single_value", message, 1))
    choices = {str(choice) for choice in prop.choices}
    for value in values:
        if choices and value not in choices:
            message = f"{value!r} is not a choice of {prop.property_reference}"
            found.append(SheetProblem(field, "property_choice", message, value=value))
    return found


def check_sheet(
    sheet: ProductSheet,
    category: Category | None = None,
    properties: Sequence[CategoryProperty] = (),
    *,
    gtin_lengths: Sequence[int] = GTIN_LENGTHS,
) -> list[SheetProblem]:
    """Every rule ``sheet`` breaks; the category-specific ones only if ``category`` is given."""
    found = check_gtin(sheet.gtin, gtin_lengths)
    if not sheet.seller_product_reference.strip():
        found.append(
            SheetProblem("sellerProductReference", "seller_reference_missing", "the SKU is empty")
        )
    found += check_texts(sheet)
    found += check_pictures(sheet)
    found += check_category(sheet, category)
    found += check_properties(sheet, category, properties)
    if sheet.language is not None and sheet.language not in LANGUAGES:
        message = f"the language {sheet.language!r} is not processed"
        found.append(SheetProblem("language", "language", message, value=sheet.language))
    return found


def duplicates(sheets: Sequence[ProductSheet]) -> dict[int, SheetProblem]:
    """Sheets repeating an earlier sheet's SKU or GTIN in the same package, by position."""
    seen_skus: set[str] = set()
    seen_gtins: set[str] = set()
    found: dict[int, SheetProblem] = {}
    for position, sheet in enumerate(sheets):
        if sheet.seller_product_reference in seen_skus:
            message = f"the SKU {sheet.seller_product_reference} is already in this package"
            found[position] = SheetProblem(
                "sellerProductReference",
                "duplicate_sheet",
                message,
                1,
                sheet.seller_product_reference,
            )
        elif sheet.gtin in seen_gtins:
            message = f"the GTIN {sheet.gtin} is already in this package"
            found[position] = SheetProblem("gtin", "duplicate_sheet", message, 1, sheet.gtin)
        seen_skus.add(sheet.seller_product_reference)
        seen_gtins.add(sheet.gtin)
    return found


def first_problems(
    sheets: Iterable[tuple[ProductSheet, Sequence[SheetProblem]]],
) -> tuple[ProductSheet, SheetProblem] | None:
    """The first sheet with a problem and its first problem (for an error message)."""
    for sheet, problems in sheets:
        if problems:
            return sheet, problems[0]
    return None
