"""The XML offer package zip builder (pure): layout, attributes, promotions, determinism, and
the sandbox reading back what it builds."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from cdlink.octopia.models import (
    DiscountComponent,
    PromotionType,
    XmlOffer,
    XmlShipping,
    build_offer_zip,
)
from cdlink.sandbox import xml_packages

START = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PROMOTION = DiscountComponent(
    type=PromotionType.FLASH_SALE,
    discount_value=Decimal(15),
    start_date=START,
    end_date=START + timedelta(hours=24),
)


def offer(**changes: object) -> XmlOffer:
    fields: dict[str, object] = {
        "sku": "SKU-1",
        "price": Decimal("19.90"),
        "stock": 4,
        "vat_percent": Decimal("5.5"),
        "striked_price": Decimal("24.90"),
        "shipping": (XmlShipping("STD", Decimal("4.90"), Decimal("1")),),
        "promotions": (PROMOTION,),
        **changes,
    }
    return XmlOffer(**fields)  # type: ignore[arg-type]


def offers_element(content: bytes) -> list[ElementTree.Element]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        root = ElementTree.fromstring(archive.read("Content/Offers.xml"))  # noqa: S314  (our own bytes)
    return [element for element in root.iter() if element.tag.endswith("}Offer")]


def test_given_offers_when_zipped_then_the_legacy_layout_is_there() -> None:
    content = build_offer_zip([offer()], name="prices")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["[Content_Types].xml", "_rels/.rels", "Content/Offers.xml"]
        assert b"/Content/Offers.xml" in archive.read("_rels/.rels")
        root = ElementTree.fromstring(archive.read("Content/Offers.xml"))  # noqa: S314  (our own bytes)
    assert root.tag.endswith("}OfferPackage")
    assert root.attrib["PackageType"] == "StockAndPrice"
    assert root.attrib["Name"] == "prices"


def test_given_an_offer_when_zipped_then_its_attributes_and_promotion_are_written() -> None:
    (element,) = offers_element(build_offer_zip([offer()], name="p"))
    assert element.attrib == {
        "SellerProductId": "SKU-1",
        "Price": "19.9",
        "Vat": "5.5",
        "Stock": "4",
        "StrikedPrice": "24.9",
    }
    (shipping,) = [e for e in element.iter() if e.tag.endswith("}ShippingInformation")]
    assert shipping.attrib == {
        "AdditionalShippingCharges": "1",
        "DeliveryMode": "STD",
        "ShippingCharges": "4.9",
    }
    (discount,) = [e for e in element.iter() if e.tag.endswith("}DiscountComponent")]
    assert discount.attrib == {
        "DiscountUnit": "Percentage",
        "DiscountValue": "15",
        "StartDate": "2026-06-01T12:00:00",
        "EndDate": "2026-06-02T12:00:00",
        "Type": "FlashSale",
    }


def test_given_no_promotions_or_an_empty_tuple_when_zipped_then_the_list_is_absent_or_empty() -> (
    None
):
    absent, empty = offers_element(
        build_offer_zip([offer(promotions=None), offer(sku="SKU-2", promotions=())], name="p")
    )
    assert not [e for e in absent.iter() if e.tag.endswith("DiscountComponentList")]
    lists = [e for e in empty.iter() if e.tag.endswith("}DiscountComponentList")]
    assert len(lists) == 1
    assert list(lists[0]) == []


def test_given_the_same_offers_when_zipped_twice_then_the_bytes_are_the_same() -> None:
    assert build_offer_zip([offer()], name="p") == build_offer_zip([offer()], name="p")


def test_given_no_offer_when_zipped_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 40000"):
        build_offer_zip([], name="p")


def test_given_a_built_zip_when_the_sandbox_reads_it_then_it_finds_the_same_offer() -> None:
    content = build_offer_zip([offer(ecotax=Decimal("0.5"))], name="p", package_type="Full")
    attributes, (element,) = xml_packages.read_offers(content)
    assert attributes["PackageType"] == "Full"
    assert element.attrib["EcoPart"] == "0.5"


def test_given_a_sku_with_markup_characters_when_zipped_then_it_is_escaped_and_read_back() -> None:
    sku = 'A&B <"1">'
    _, (element,) = xml_packages.read_offers(build_offer_zip([offer(sku=sku)], name="x&y"))
    assert element.attrib["SellerProductId"] == sku
