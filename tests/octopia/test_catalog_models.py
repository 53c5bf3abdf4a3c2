"""The catalog models read what the marketplace may send and write what it expects."""

from __future__ import annotations

from cdlink.octopia.models import (
    QUOTA_ERROR_CODE,
    Brand,
    CategoryProperty,
    IntegrationReport,
    Product,
    ProductIntegrationStatus,
    ProductSheet,
    SheetAttribute,
    SheetPicture,
)


def test_given_a_report_with_a_number_gtin_and_an_unknown_status_when_read_then_both_kept() -> None:
    report = IntegrationReport.model_validate(
        {"gtin": 3760123456789, "status": "PendingModeration", "operationType": "Creation"}
    )
    assert report.gtin == "3760123456789"
    assert report.status == "PendingModeration"
    assert not report.is_live
    assert not report.is_refused


def test_given_refusals_when_read_then_only_a_pure_quota_refusal_is_one() -> None:
    quota = {"code": QUOTA_ERROR_CODE, "field": "gtin"}
    other = {"code": "TitleTooLong", "field": "title"}

    def refused(*errors: dict[str, str]) -> IntegrationReport:
        return IntegrationReport.model_validate({"status": "Refused", "errors": list(errors)})

    assert refused(quota).is_quota_refusal
    assert not refused(quota, other).is_quota_refusal
    assert not refused().is_quota_refusal
    assert refused(other).status is ProductIntegrationStatus.REFUSED


def test_given_integer_references_when_read_then_text() -> None:
    prop = CategoryProperty.model_validate({"propertyReference": 1001, "necessity": "Mandatory"})
    product = Product.model_validate({"reference": "X1", "gtin": 3760123456789})
    brand = Brand.model_validate({"brandReference": "B1", "label": "Boréal"})

    assert prop.property_reference == "1001"
    assert prop.is_mandatory
    assert product.gtin == "3760123456789"
    assert (brand.reference, brand.name) == ("B1", "Boréal")


def test_given_a_sheet_when_written_then_camel_case_strings_and_no_nulls() -> None:
    sheet = ProductSheet(
        gtin="3760123456789",
        seller_product_reference="SKU-1",
        title="Titre",
        description="Description",
        category_code="07020A",
        seller_picture_urls=[SheetPicture(index=1, url="https://x/1.jpg")],
        attributes=[SheetAttribute(property_reference="1001", values=["Rouge"])],
    )
    payload = sheet.to_payload()

    assert payload["sellerProductReference"] == "SKU-1"
    assert payload["categoryCode"] == "07020A"
    assert payload["sellerPictureUrls"] == [{"index": 1, "url": "https://x/1.jpg"}]
    assert payload["attributes"] == [
        {"propertyReference": "1001", "values": ["Rouge"], "files": []}
    ]
    assert "brand" not in payload
    assert "variantGroupReference" not in payload
