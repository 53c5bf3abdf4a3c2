"""The XML offer package zip (reference §6.3.3, addendum §5): a pure, deterministic builder.

Layout (as in the SOAP era): ``[Content_Types].xml``, ``_rels/.rels`` and ``Content/Offers.xml``
holding an ``OfferPackage`` of ``Offer`` elements with their ``ShippingInformationList`` and
``DiscountComponentList``. Dates are written ``YYYY-MM-DDThh:mm:ss`` in UTC; amounts with a
dot. The same offers always give the same bytes (fixed zip timestamps).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal
from xml.etree import ElementTree

from cdlink.octopia.models.offers import DiscountComponent
from cdlink.octopia.models.pricing import XmlOffer

MAX_XML_OFFERS = 40_000
PIVOT_NAMESPACE = (
    "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;"
    "assembly=Cdiscount.Service.OfferIntegration"
)
XAML_NAMESPACE = "http://schemas.microsoft.com/winfx/2006/xaml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="text/xml" />'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
    "</Types>"
)
RELATIONSHIPS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Type="http://cdiscount.com/uri/document" Target="/Content/Offers.xml" '
    'Id="Offers" />'
    "</Relationships>"
)
CONDITIONS = {
    "UsedLikeNew": "1",
    "UsedVeryGoodCondition": "2",
    "UsedGoodCondition": "3",
    "UsedAcceptableCondition": "4",
    "Refurbished": "5",
    "New": "6",
}
ZIP_TIME = (2020, 1, 1, 0, 0, 0)

PackageKind = Literal["Full", "StockAndPrice"]


def amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def xml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _discount(parent: ElementTree.Element, promotion: DiscountComponent) -> None:
    attributes = {
        "DiscountUnit": promotion.discount_unit,
        "DiscountValue": amount(promotion.discount_value),
        "EndDate": xml_time(promotion.end_date),
        "StartDate": xml_time(promotion.start_date),
        "Type": str(promotion.type),
    }
    if promotion.sales_reference_price is not None:
        attributes["SalesReferencePrice"] = amount(promotion.sales_reference_price)
    ElementTree.SubElement(parent, "DiscountComponent", attributes)


def _offer(parent: ElementTree.Element, offer: XmlOffer) -> None:
    attributes = {"SellerProductId": offer.sku}
    optional: dict[str, Decimal | int | str | None] = {
        "ProductEan": offer.ean,
        "ProductCondition": CONDITIONS.get(offer.condition or "", offer.condition),
        "Price": offer.price,
        "Vat": offer.vat_percent,
        "EcoPart": offer.ecotax,
        "DeaTax": offer.deatax,
        "Stock": offer.stock,
        "StrikedPrice": offer.striked_price,
        "PreparationTime": offer.preparation_time,
    }
    for name, value in optional.items():
        if value is not None:
            attributes[name] = amount(value) if isinstance(value, Decimal) else str(value)
    element = ElementTree.SubElement(parent, "Offer", attributes)
    if offer.shipping:
        wrapper = ElementTree.SubElement(element, "Offer.ShippingInformationList")
        shipping = ElementTree.SubElement(
            wrapper, "ShippingInformationList", {"Capacity": str(len(offer.shipping))}
        )
        for mode in offer.shipping:
            ElementTree.SubElement(
                shipping,
                "ShippingInformation",
                {
                    "AdditionalShippingCharges": amount(mode.additional_charges),
                    "DeliveryMode": mode.delivery_mode,
                    "ShippingCharges": amount(mode.charges),
                },
            )
    if offer.promotions is not None:
        wrapper = ElementTree.SubElement(element, "Offer.DiscountComponentList")
        discounts = ElementTree.SubElement(
            wrapper, "DiscountComponentList", {"Capacity": str(len(offer.promotions))}
        )
        for promotion in offer.promotions:
            _discount(discounts, promotion)


def offers_xml(
    offers: Sequence[XmlOffer], *, name: str, package_type: PackageKind = "StockAndPrice"
) -> bytes:
    """``Content/Offers.xml`` for ``offers``."""
    if not 1 <= len(offers) <= MAX_XML_OFFERS:
        raise ValueError(f"an XML offer package holds 1 to {MAX_XML_OFFERS} offers")
    root = ElementTree.Element(
        "OfferPackage",
        {
            "Name": name,
            "PurgeAndReplace": "false",
            "PackageType": package_type,
            "xmlns": PIVOT_NAMESPACE,
            "xmlns:x": XAML_NAMESPACE,
        },
    )
    wrapper = ElementTree.SubElement(root, "OfferPackage.Offers")
    collection = ElementTree.SubElement(wrapper, "OfferCollection", {"Capacity": str(len(offers))})
    for offer in offers:
        _offer(collection, offer)
    content: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return content


def build_offer_zip(
    offers: Sequence[XmlOffer], *, name: str, package_type: PackageKind = "StockAndPrice"
) -> bytes:
    """The zip to host at a public URL and give to ``POST /offer-integration-packages``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in (
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("_rels/.rels", RELATIONSHIPS.encode()),
            ("Content/Offers.xml", offers_xml(offers, name=name, package_type=package_type)),
        ):
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
