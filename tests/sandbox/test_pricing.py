"""The sandbox's prices and promotions: XML offer packages (hosted zips, the legacy layout, the
per-offer results), promotions in JSON packages in either variant, Cdiscount's promotion rules,
promotions starting and ending on the sandbox clock, competing offers, and faults."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.sandbox_api import START, decimal_json

CHANNEL = {"SalesChannelId": "CDISFR"}
INTEGRATION = 60
NAMESPACE = "clr-namespace:Cdiscount.Service.OfferIntegration.Pivot;assembly=Cdiscount"


def when(hours: float) -> str:
    return (START + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")


def zip_of(offers_xml: str, *, layout: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if layout:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("_rels/.rels", "<Relationships/>")
            archive.writestr("Content/Offers.xml", offers_xml)
        else:
            archive.writestr("Offers.xml", offers_xml)
    return buffer.getvalue()


def package_xml(offers: str, package_type: str = "StockAndPrice") -> str:
    return (
        f'<OfferPackage Name="t" PurgeAndReplace="false" PackageType="{package_type}" '
        f'xmlns="{NAMESPACE}"><OfferPackage.Offers><OfferCollection>{offers}'
        "</OfferCollection></OfferPackage.Offers></OfferPackage>"
    )


def flash_xml(
    start_hours: float, hours: float, value: str = "20", kind: str = "Flash Sales"
) -> str:
    return (
        f'<DiscountComponent Type="{kind}" DiscountUnit="1" DiscountValue="{value}" '
        f'StartDate="{when(start_hours)}" EndDate="{when(start_hours + hours)}"/>'
    )


def offer_xml(sku: str, attributes: str = "", discounts: str | None = None) -> str:
    inner = ""
    if discounts is not None:
        inner = (
            "<Offer.DiscountComponentList><DiscountComponentList>"
            f"{discounts}</DiscountComponentList></Offer.DiscountComponentList>"
        )
    return f'<Offer SellerProductId="{sku}" {attributes}>{inner}</Offer>'


def submit_zip(http: httpx.Client, api: httpx.Client, content: bytes, name: str = "p.zip") -> int:
    hosted = http.put(f"/_sandbox/files/{name}", content=content)
    assert hosted.status_code == 201, hosted.text
    response = api.post("/offer-integration-packages", json=hosted.json()["url"])
    assert response.status_code == 201, response.text
    package_id: int = response.json()
    return package_id


def xml_report(api: httpx.Client, package_id: int, **params: Any) -> dict[str, Any]:
    response = api.get(f"/offer-integration-packages/{package_id}", params=params)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = decimal_json(response)
    return report


def offer(api: httpx.Client, sku: str, **params: Any) -> dict[str, Any]:
    response = api.get(
        "/offers", params={"salesChannelId": "CDISFR", "sellerExternalReferences": sku, **params}
    )
    assert response.status_code == 200, response.text
    (item,) = decimal_json(response)["items"]
    found: dict[str, Any] = item
    return found


def first_sku(api: httpx.Client) -> str:
    response = api.get("/offers", params={"salesChannelId": "CDISFR", "limit": 1})
    sku: str = response.json()["items"][0]["sellerExternalReference"]
    return sku


def json_package(api: httpx.Client, requests: list[dict[str, Any]]) -> str:
    created = api.post("/offer-packages", json={"packageType": "Update"}, headers=CHANNEL)
    package_id = created.headers["Content-Location"].rsplit("/", 1)[-1]
    assert (
        api.post(f"/offer-packages/{package_id}/offer-requests", json=requests).status_code == 204
    )
    assert api.patch(f"/offer-packages/{package_id}", json={"state": "Ready"}).status_code == 204
    package_id_text: str = package_id
    return package_id_text


def json_results(api: httpx.Client, manual_clock: ManualClock, package_id: str) -> list[Any]:
    manual_clock.advance(INTEGRATION)
    response = api.get(f"/offer-packages/{package_id}/offer-requests-results")
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def send_json(
    api: httpx.Client, manual_clock: ManualClock, request: dict[str, Any]
) -> dict[str, Any]:
    package_id = json_package(api, [request])
    (result,) = json_results(api, manual_clock, package_id)
    found: dict[str, Any] = result
    return found


def priced(sku: str, price: float = 40, **price_fields: Any) -> dict[str, Any]:
    return {
        "sellerExternalReference": sku,
        "price": {"price": price, "taxes": [{"code": "VAT", "value": 20}], **price_fields},
    }


def discount(kind: str, start_hours: float, hours: float, value: float, **more: Any) -> Any:
    return {
        "type": kind,
        "discountValue": value,
        "startDate": when(start_hours),
        "endDate": when(start_hours + hours),
        **more,
    }


@pytest.fixture
def config() -> SandboxConfig:
    """Tokens outlive the days these tests move the clock through."""
    return SandboxConfig(seed=7, customer_cancel_probability=0.0, token_lifetime_seconds=30 * 86400)


# --- file hosting and the XML endpoints ----------------------------------------------------------


def test_given_a_hosted_file_when_fetched_then_the_same_bytes_come_back(http: httpx.Client) -> None:
    put = http.put("/_sandbox/files/a.zip", content=b"PK-bytes")
    assert put.status_code == 201
    assert put.json()["url"] == "http://sandbox/_sandbox/files/a.zip"
    assert http.get("/_sandbox/files/a.zip").content == b"PK-bytes"
    assert http.put("/_sandbox/files/..%2Fx", content=b"x").status_code in (400, 404)
    assert http.get("/_sandbox/files/none.zip").status_code == 404


@pytest.mark.parametrize("body", [{"a": 1}, 12, "not a url", ["http://x/y.zip"]])
def test_given_a_body_that_is_not_a_url_when_posting_an_xml_package_then_400(
    api: httpx.Client, body: Any
) -> None:
    response = api.post("/offer-integration-packages", json=body)
    assert response.status_code == 400
    assert "packageUrl" in response.json()["errors"]


def test_given_an_unknown_xml_package_or_a_bad_page_when_read_then_404_and_400(
    http: httpx.Client, api: httpx.Client
) -> None:
    assert api.get("/offer-integration-packages/1").status_code == 404
    package_id = submit_zip(http, api, zip_of(package_xml("")))
    response = api.get(f"/offer-integration-packages/{package_id}", params={"$limit": "0"})
    assert response.status_code == 400


def test_given_an_xml_package_when_integrated_then_prices_stock_and_results_are_applied(
    http: httpx.Client, api: httpx.Client, manual_clock: ManualClock
) -> None:
    sku = first_sku(api)
    offers = offer_xml(sku, 'Price="18.5" Stock="7" StrikedPrice="22" EcoPart="0.3"')
    offers += offer_xml("NO-SUCH-SKU", 'Stock="1"')
    package_id = submit_zip(http, api, zip_of(package_xml(offers)))
    assert xml_report(api, package_id)["integration_state"] == "Pending"
    manual_clock.advance(INTEGRATION)

    report = xml_report(api, package_id)
    shown = offer(api, sku)
    assert (report["integration_state"], report["package_type"]) == ("Integrated", "StockAndPrice")
    assert (report["number_of_offers"], report["number_of_errors"]) == (2, 1)
    assert [line["integration_status"] for line in report["offers"]] == ["Integrated", "Rejected"]
    assert report["offers"][1]["errors"][0]["error_code"] == "OfferNotFound"
    assert (shown["integrationPrice"], shown["originPrice"], shown["quantity"]) == (18.5, 22, 7)
    assert {tax["code"] for tax in shown["taxes"]} == {"VAT", "Ecotax"}
    page = xml_report(api, package_id, **{"$limit": 1, "$page": 2})
    assert [line["seller_product_id"] for line in page["offers"]] == ["NO-SUCH-SKU"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not a zip archive"),
        (zip_of(package_xml(""), layout=False), "Content/Offers.xml"),
        (zip_of("<Offers><Offer/>"), "not well-formed"),
        (zip_of("<Something/>"), "OfferPackage"),
        (zip_of('<!DOCTYPE x [<!ENTITY a "aaaa">]><OfferPackage/>'), "DTD"),
    ],
)
def test_given_an_unreadable_zip_when_integrated_then_the_package_is_rejected_with_the_reason(
    http: httpx.Client, api: httpx.Client, manual_clock: ManualClock, content: bytes, message: str
) -> None:
    package_id = submit_zip(http, api, content)
    manual_clock.advance(INTEGRATION)
    report = xml_report(api, package_id)
    assert report["integration_state"] == "Rejected"
    assert message in report["error_message"]


# --- promotions on the clock ---------------------------------------------------------------------


def test_given_a_flash_sale_when_the_clock_passes_its_start_and_end_then_the_price_follows(
    http: httpx.Client, api: httpx.Client, manual_clock: ManualClock
) -> None:
    sku = first_sku(api)
    price = offer(api, sku)["integrationPrice"]
    package = package_xml(offer_xml(sku, discounts=flash_xml(2, 10, "10")))
    submit_zip(http, api, zip_of(package))
    manual_clock.advance(INTEGRATION)
    scheduled = offer(api, sku)
    manual_clock.advance(2 * 3600)
    running = offer(api, sku)
    manual_clock.advance(10 * 3600)
    ended = offer(api, sku)

    assert scheduled["facialPrice"]["price"] == price
    assert scheduled["discountComponents"][0]["status"] == "Scheduled"
    assert running["facialPrice"]["price"] == (price * Decimal("0.9")).quantize(Decimal("0.01"))
    assert running["integrationPrice"] == price
    assert running["discountComponents"][0]["status"] == "Running"
    assert ended["facialPrice"]["price"] == price
    assert ended["discountComponents"][0]["status"] == "Ended"


def test_given_a_sale_with_a_reference_price_when_it_runs_then_the_reduction_applies_to_it(
    http: httpx.Client, api: httpx.Client, manual_clock: ManualClock
) -> None:
    sku = first_sku(api)
    sale = (
        f'<DiscountComponent Type="Sales" DiscountUnit="Percentage" DiscountValue="30" '
        f'DiscountComponentSalesReferencePrice="100" StartDate="{when(80)}" EndDate="{when(200)}"/>'
    )
    submit_zip(http, api, zip_of(package_xml(offer_xml(sku, discounts=sale))))
    manual_clock.advance(81 * 3600)
    assert offer(api, sku)["facialPrice"]["price"] == 70


@pytest.mark.parametrize(
    ("discounts", "code"),
    [
        (flash_xml(1, 73), "FlashSaleTooLong"),
        (flash_xml(1, 5, "0"), "DiscountValueOutOfRange"),
        (flash_xml(1, 5, "100"), "DiscountValueOutOfRange"),
        (flash_xml(1, 5) + flash_xml(30, 5), "FlashSaleTooClose"),
        (flash_xml(1, 5, kind="Coupon"), "InvalidDiscountType"),
        (flash_xml(-10, 5), "DiscountInThePast"),
    ],
)
def test_given_a_promotion_breaking_a_rule_when_integrated_then_the_offer_is_rejected(
    http: httpx.Client, api: httpx.Client, manual_clock: ManualClock, discounts: str, code: str
) -> None:
    sku = first_sku(api)
    price = offer(api, sku)["integrationPrice"]
    package_id = submit_zip(
        http, api, zip_of(package_xml(offer_xml(sku, 'Price="11"', discounts=discounts)))
    )
    manual_clock.advance(INTEGRATION)
    (line,) = xml_report(api, package_id)["offers"]
    assert line["integration_status"] == "Rejected"
    assert [error["error_code"] for error in line["errors"]] == [code]
    assert offer(api, sku)["integrationPrice"] == price


def test_given_promotions_in_json_when_the_variant_is_xml_only_then_the_request_is_rejected(
    api: httpx.Client, manual_clock: ManualClock
) -> None:
    sku = first_sku(api)
    request = priced(sku, discountComponents=[discount("FlashSale", 1, 5, 20)])
    result = send_json(api, manual_clock, request)
    assert result["integrationStatus"] == "Rejected"
    assert result["results"][0]["resultCode"] == "PromotionsNotSupported"


@pytest.mark.parametrize(
    ("components", "code"),
    [
        ([discount("FlashSale", 1, 5, 20)], None),
        ([discount("Sales", 48, 100, 20, salesReferencePrice=50)], "SaleNoticeTooShort"),
        ([discount("Sales", 80, 100, 4, salesReferencePrice=50)], "SaleReductionTooSmall"),
        ([discount("Sales", 80, 100, 10)], "MissingSalesReferencePrice"),
        ([discount("Sales", 80, 100, 10, salesReferencePrice=50)], None),
        (
            [
                discount("FlashSale", 78, 5, 20),
                discount("Sales", 80, 100, 10, salesReferencePrice=50),
            ],
            "PromotionOverlap",
        ),
        ([discount("FlashSale", 1, 5, 20, discountUnit="Euro")], "InvalidDiscountUnit"),
    ],
)
def test_given_promotions_in_json_when_the_variant_accepts_them_then_the_rules_apply(
    sandbox: Sandbox,
    api: httpx.Client,
    manual_clock: ManualClock,
    components: list[Any],
    code: str | None,
) -> None:
    sandbox.set_variants(promotions_channel="json_too")
    sku = first_sku(api)
    result = send_json(api, manual_clock, priced(sku, discountComponents=components))
    if code is None:
        assert result["integrationStatus"] == "Integrated"
        assert len(offer(api, sku)["discountComponents"]) == len(components)
    else:
        assert result["integrationStatus"] == "Rejected"
        assert [item["resultCode"] for item in result["results"]] == [code]


@pytest.mark.parametrize(
    ("price_fields", "code"),
    [
        ({"price": 0}, "InvalidPrice"),
        ({"price": 20, "originPrice": 20}, "InvalidOriginPrice"),
        ({"price": 20, "taxes": [{"code": "VAT", "value": 19}]}, "InvalidTaxes"),
    ],
)
def test_given_a_price_breaking_a_rule_when_integrated_then_it_is_rejected(
    api: httpx.Client, manual_clock: ManualClock, price_fields: dict[str, Any], code: str
) -> None:
    request = priced(first_sku(api))
    request["price"].update(price_fields)
    result = send_json(api, manual_clock, request)
    assert [item["resultCode"] for item in result["results"]] == [code]


# --- competition ---------------------------------------------------------------------------------


def test_given_expand_when_listing_offers_then_competition_and_best_offer_are_consistent(
    api: httpx.Client,
) -> None:
    response = api.get(
        "/offers", params={"salesChannelId": "CDISFR", "expand": "salesChannelFeedback"}
    )
    items = decimal_json(response)["items"]
    with_competitors = [item for item in items if item["salesChannelFeedback"]["competingOffers"]]
    assert len(with_competitors) > len(items) / 2
    for item in items:
        feedback = item["salesChannelFeedback"]
        best = feedback["bestOfferDetails"]
        competitors = feedback["competingOffers"]
        assert best["competingOffersCount"] == len(competitors)
        flagged = [c["sellerId"] for c in competitors if c["isBestOffer"]]
        assert flagged == ([] if best["isBestOffer"] else [best["bestOfferSellerId"]])
        totals = [c["price"] + c["shippingCost"] for c in competitors]
        assert totals == sorted(totals)


def test_given_a_projection_when_listing_offers_then_only_competing_offers_come(
    api: httpx.Client,
) -> None:
    response = api.get(
        "/offers",
        params={"salesChannelId": "CDISFR", "fields": "salesChannelFeedback.competingOffers"},
    )
    item = response.json()["items"][0]
    assert set(item) == {"offerId", "sellerExternalReference", "salesChannelFeedback"}


# --- faults --------------------------------------------------------------------------------------


def test_given_faults_on_the_xml_endpoints_when_called_then_the_gateway_answers_them(
    sandbox: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    sandbox.add_fault(
        {"kind": "status", "endpoint": "xml_packages.create", "status": 503, "count": 1}
    )
    sandbox.add_fault(
        {
            "kind": "status",
            "endpoint": "xml_packages.get",
            "status": 429,
            "count": 1,
            "retry_after": 3,
        }
    )
    url = http.put("/_sandbox/files/f.zip", content=zip_of(package_xml(""))).json()["url"]
    assert api.post("/offer-integration-packages", json=url).status_code == 503
    package_id = api.post("/offer-integration-packages", json=url).json()
    throttled = api.get(f"/offer-integration-packages/{package_id}")
    assert (throttled.status_code, throttled.headers.get("Retry-After")) == (429, "3")
    assert api.get(f"/offer-integration-packages/{package_id}").status_code == 200
    assert (
        httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url())
        .get(f"/offer-integration-packages/{package_id}")
        .status_code
        == 401
    )
