"""What to do about each problem of a product sheet: one fix hint per rule, in English here and
in French in the catalogue (the pages and the API translate them with the user's language).

``HINTS`` covers every rule of the client's pre-flight check (``RULES`` of
``cdlink.octopia.models.catalog_rules``; a test checks none is missing), plus the hub's own
(``category_unmapped``, ``quota``). ``REPORT_RULES`` reads the marketplace's refusal codes as
those rules, so a refused sheet gets the same hints as one the validator stopped.
"""

from __future__ import annotations

from cdlink.core.translatable import translatable

HINTS: dict[str, str] = {
    "gtin_format": translatable("Enter the EAN printed under the barcode: 8, 12, 13 or 14 digits."),
    "gtin_checksum": translatable(
        "The EAN's last digit does not match: copy it again from the barcode."
    ),
    "gtin_13": translatable(
        "Cdiscount asks for a 13-digit EAN (EAN-13): enter the product's EAN-13."
    ),
    "seller_reference_missing": translatable("Give the product a SKU."),
    "title_missing": translatable("Write a title: brand, product type and main feature."),
    "title_length": translatable("Shorten the title to 132 characters or fewer."),
    "title_html": translatable("Remove the HTML tags from the title."),
    "title_characters": translatable("Remove emojis and special symbols from the title."),
    "description_missing": translatable("Write a plain-text description of the product."),
    "description_length": translatable(
        "Shorten the description to 420 characters; put the rest in the marketing description."
    ),
    "description_html": translatable(
        "Remove the HTML from the description; formatting goes in the marketing description."
    ),
    "description_characters": translatable("Remove emojis and pictograms from the description."),
    "marketing_description_length": translatable(
        "Shorten the marketing description to 5,000 characters."
    ),
    "marketing_description_tag": translatable(
        "Keep only the tags b, strong, br, body, font, table, tr, td and th."
    ),
    "marketing_description_link": translatable("Remove links from the marketing description."),
    "picture_missing": translatable("Add at least one picture address (https://…)."),
    "picture_url": translatable("Use a full picture address starting with https://."),
    "picture_index": translatable("List each picture once."),
    "category_level": translatable("Map the product's category to a level-3 Cdiscount category."),
    "category_mismatch": translatable("Map the product's category again."),
    "category_unknown": translatable(
        "This Cdiscount category no longer exists: refresh the taxonomy and map it again."
    ),
    "category_unmapped": translatable(
        "Give the product a category and map it to a Cdiscount category on the mapping page."
    ),
    "brand_missing": translatable("This category requires a brand: enter the product's brand."),
    "variant_group_missing": translatable(
        "Give the product a variant group shared by its sizes and colours."
    ),
    "colour_missing": translatable("Give the product its colour (a value of the colour list)."),
    "size_missing": translatable("Give the product its size (a value of the size list)."),
    "property_missing": translatable(
        "Fill this attribute, or map one of your attributes to it on the mapping page."
    ),
    "property_choice": translatable(
        "Use one of the property's values, or map your value to one on the mapping page."
    ),
    "property_single_value": translatable("Keep a single value for this attribute."),
    "property_unknown": translatable(
        "Remove this attribute, or map it to one of the category's properties."
    ),
    "language": translatable("Use French (fr-FR)."),
    "duplicate_sheet": translatable("Two products share this SKU or EAN: keep one."),
    "picture_count": translatable("Add more pictures: Cdiscount recommends at least four."),
    "property_recommended": translatable(
        "Fill the recommended attributes: they help the product sell."
    ),
    "quota": translatable("Nothing to do: cdlink sends it again when the hourly quota allows."),
    "marketplace": translatable("Read Cdiscount's message, correct the product and publish again."),
}

#: The marketplace's report codes (the sandbox's names) read as the validator's rules.
REPORT_RULES: dict[str, str] = {
    "InvalidGtin": "gtin_13",
    "InvalidGtinChecksum": "gtin_checksum",
    "TitleTooLong": "title_length",
    "DescriptionTooLong": "description_length",
    "MarketingDescriptionTooLong": "marketing_description_length",
    "ForbiddenHtmlTag": "marketing_description_tag",
    "ForbiddenLink": "marketing_description_link",
    "InvalidPictureUrl": "picture_url",
    "InvalidPictureIndex": "picture_index",
    "InvalidCategory": "category_unknown",
    "MissingBrand": "brand_missing",
    "MissingColor": "colour_missing",
    "MissingSize": "size_missing",
    "MissingVariantGroup": "variant_group_missing",
    "MissingMandatoryProperty": "property_missing",
    "InvalidPropertyValue": "property_choice",
    "UnknownProperty": "property_unknown",
    "UnsupportedLanguage": "language",
    "DuplicatedProduct": "duplicate_sheet",
    "CreationQuotaExceeded": "quota",
    "PictureCount": "picture_count",
    "RecommendedPropertyMissing": "property_recommended",
}

_FIELD_RULES = {
    ("MissingField", "title"): "title_missing",
    ("MissingField", "description"): "description_missing",
    ("MissingField", "sellerPictureUrls"): "picture_missing",
    ("MissingField", "sellerProductReference"): "seller_reference_missing",
    ("ForbiddenHtml", "title"): "title_html",
    ("ForbiddenHtml", "description"): "description_html",
    ("ForbiddenCharacters", "title"): "title_characters",
    ("ForbiddenCharacters", "description"): "description_characters",
}


def hint(rule: str) -> str:
    """The English fix hint of ``rule`` (translate it with the catalogue)."""
    return HINTS.get(rule, HINTS["marketplace"])


def report_rule(code: str | None, field: str | None) -> str:
    """The rule a marketplace refusal code stands for (``marketplace`` when unknown)."""
    if code is None:
        return "marketplace"
    return _FIELD_RULES.get((code, field or "")) or REPORT_RULES.get(code, "marketplace")


#: The sheet's field names as the pages show them (``attributes[2]`` shows as Attributes).
FIELD_LABELS: dict[str, str] = {
    "gtin": translatable("EAN"),
    "sellerProductReference": translatable("SKU"),
    "title": translatable("Title"),
    "description": translatable("Description"),
    "richMarketingDescription": translatable("Marketing description"),
    "sellerPictureUrls": translatable("Pictures"),
    "categoryCode": translatable("Category"),
    "category": translatable("Category"),
    "brand": translatable("Brand"),
    "attributes": translatable("Attributes"),
    "variantGroupReference": translatable("Variant group"),
    "language": translatable("Language"),
}


def field_label(field: str | None) -> str:
    """The English label of a sheet field (translate it with the catalogue); "" if unknown."""
    if not field:
        return ""
    return FIELD_LABELS.get(field.split("[", 1)[0], "")
