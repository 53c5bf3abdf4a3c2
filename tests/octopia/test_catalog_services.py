"""The catalog services on a scripted fake (``httpx.MockTransport``): exactly what goes on the
wire, and answers the sandbox never gives."""

from __future__ import annotations

import json

import httpx
import pytest

from cdlink.octopia import MalformedResponse, OctopiaClient
from cdlink.octopia.models import ProductSheet, SheetAttribute, SheetPicture
from tests.support.octopia_fakes import FakeOctopia, page

SHEET = ProductSheet(
    gtin="3760123456784",
    seller_product_reference="SKU-1",
    title="Lampe de bureau",
    description="Lampe en métal.",
    brand="Boréal",
    category_code="07020A",
    seller_picture_urls=[SheetPicture(index=1, url="https://x/1.jpg")],
    attributes=[SheetAttribute(property_reference="1001", values=["Noir"])],
)


def test_given_a_sheet_when_submitted_then_the_body_and_language_are_the_documented_ones(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/products-integration", httpx.Response(200, json={"id": "pkg-1"}))

    package_id = client.product_integration.submit([SHEET])

    request = fake.api_requests()[-1]
    assert package_id == "pkg-1"
    assert request.headers["Accept-Language"] == "fr-FR"
    assert json.loads(request.content) == {
        "products": [
            {
                "gtin": "3760123456784",
                "sellerProductReference": "SKU-1",
                "title": "Lampe de bureau",
                "description": "Lampe en métal.",
                "brand": "Boréal",
                "categoryCode": "07020A",
                "sellerPictureUrls": [{"index": 1, "url": "https://x/1.jpg"}],
                "attributes": [{"propertyReference": "1001", "values": ["Noir"], "files": []}],
                "language": "fr-FR",
            }
        ]
    }


def test_given_an_answer_without_a_package_id_when_submitted_then_malformed(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/products-integration", httpx.Response(202, json={}))
    with pytest.raises(MalformedResponse):
        client.product_integration.submit([SHEET])


def test_given_reports_when_read_then_the_query_names_package_and_page(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/products-integration-reports", page([]))

    assert list(client.product_integration.reports(package_id="pkg-1")) == []

    query = fake.api_requests()[-1].url.params
    assert query["packageId"] == "pkg-1"
    assert (query["pageIndex"], query["pageSize"]) == ("1", "25")
    assert "gtin" not in query


def test_given_two_reports_of_one_sku_when_progress_is_read_then_the_newest_wins(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    older = {
        "sellerProductReference": "SKU-1",
        "status": "Refused",
        "submissionDate": "2026-01-01T10:00:00Z",
    }
    newer = {
        "sellerProductReference": "SKU-1",
        "status": "Integrated",
        "submissionDate": "2026-01-02T10:00:00Z",
    }
    fake.route("GET", "/products-integration-reports", page([newer, older]))

    progress = client.product_integration.progress("pkg-1", ["SKU-1", "SKU-2"])

    assert progress.reports["SKU-1"].is_live
    assert progress.missing == {"SKU-2"}
    assert not progress.complete


def test_given_products_by_gtin_when_read_then_gtins_go_as_repeated_parameters(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/products", page([{"reference": "P1", "gtin": 3760123456784}]))

    found = client.products.by_gtins(["3760123456784", "3760123456797"])

    assert list(found) == ["3760123456784"]
    query = fake.api_requests()[-1].url.params
    assert query.get_list("gtin") == ["3760123456784", "3760123456797"]
    assert query["language"] == "fr-FR"


@pytest.mark.parametrize("size", [0, 101])
def test_given_a_page_size_out_of_range_when_reading_reports_then_refused_locally(
    client: OctopiaClient, size: int
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.product_integration.reports_pages(page_size=size)


def test_given_no_sheet_or_too_many_when_submitting_then_refused_locally(
    client: OctopiaClient,
) -> None:
    with pytest.raises(ValueError, match="at least one"):
        client.product_integration.submit([])
    with pytest.raises(ValueError, match="at most"):
        client.product_integration.submit([SHEET] * 10_001)
