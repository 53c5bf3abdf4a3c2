"""The sandbox's catalog: the generated taxonomy, brands, the product referential, product-sheet
packages judged against the marketplace rules, report lag, the creation quota, manual check,
the variants of each conflict, the link to offers, and faults on the new endpoints."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cdlink.sandbox import Sandbox, SandboxConfig, taxonomy
from tests.support.catalog_sheets import ean13, leaf, valid_sheet

LAG, INTEGRATION = 60, 300
PLAIN = leaf(lambda c: not c["isVariant"] and not c["isBrandMandatory"])
CHANNEL = {"SalesChannelId": "CDISFR"}


def sheet_json(number: int, **changes: Any) -> dict[str, Any]:
    body = valid_sheet(PLAIN, number).to_payload()
    body.update(changes)
    return body


def post_sheets(api: httpx.Client, *sheets: dict[str, Any]) -> str:
    response = api.post("/products-integration", json={"products": list(sheets)})
    assert response.status_code == 202, response.text
    package_id: str = response.json()["packageId"]
    return package_id


def reports(api: httpx.Client, package_id: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/products-integration-reports", params={"packageId": package_id, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def error_codes(report: dict[str, Any]) -> set[str]:
    return {error["code"] for error in report["errors"]}


# --- taxonomy ----------------------------------------------------------------------------------


def test_given_the_seeded_taxonomy_when_built_then_about_8000_categories_in_three_levels() -> None:
    categories = taxonomy.categories()
    by_reference = taxonomy.by_reference()

    assert 7500 <= len(categories) <= 8500
    assert len(by_reference) == len(categories)
    for category in categories:
        reference, level = category["categoryReference"], category["level"]
        assert len(reference) == 2 * level
        assert reference.isalnum()
        assert category["parentReferences"] == [reference[:2], reference[:4]][: level - 1]
        if level > 1:
            assert by_reference[category["parentReference"]]["level"] == level - 1
    leaves = taxonomy.leaves()
    assert sum(leaf["isVariant"] for leaf in leaves) > 100
    assert any(any(c.isalpha() for c in leaf["categoryReference"]) for leaf in leaves)


def test_given_a_level_3_category_when_its_properties_are_read_twice_then_the_same_come(
    api: httpx.Client,
) -> None:
    first = api.get(f"/categories/{PLAIN}/properties").json()["items"]
    again = api.get(f"/categories/{PLAIN}/properties").json()["items"]

    assert first == again
    assert len(first) >= 3
    assert {prop["necessity"] for prop in first} <= {"Mandatory", "Recommended", "Optional"}


def test_given_brands_when_paged_then_the_envelope_and_every_brand_once(api: httpx.Client) -> None:
    names, index = [], 1
    while True:
        page = api.get("/brands", params={"pageIndex": index, "pageSize": 100}).json()
        names += [item["name"] for item in page["items"]]
        if page["itemsPerPage"] < 100:
            break
        index += 1
    assert len(names) == len(set(names)) == len(taxonomy.brands())


# --- product referential -----------------------------------------------------------------------


def test_given_seeded_offers_when_listing_products_by_gtin_then_each_has_title_brand_pictures(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    offers = api.get("/offers", params={"salesChannelId": "CDISFR", "limit": 1000}).json()["items"]
    gtins = [offer["product"]["gtin"] for offer in offers[:5]]

    products = api.get("/products", params={"gtin": gtins}).json()["items"]

    assert sorted(product["gtin"] for product in products) == sorted(gtins)
    for product in products:
        assert product["label"]
        assert product["brand"]["name"]
        assert product["pictures"]
        assert product["category"]["reference"] in taxonomy.by_reference()
        assert product["category"]["referencePath"].count("/") == 2
        assert product["sellers"][0]["reference"] == str(sandbox.credentials.seller_id)
        assert product["sellers"][0]["isCreator"] is True


def test_given_the_referential_when_paged_with_limit_then_link_headers_until_the_end(
    api: httpx.Client,
) -> None:
    seen, url = [], "/products?limit=25"
    while url:
        response = api.get(url)
        seen += [item["reference"] for item in response.json()["items"]]
        link = response.headers.get("link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
    assert len(seen) == len(set(seen)) == api.get("/products/count").json() == 60
    assert api.get("/products", params={"limit": 1001}).status_code == 400
    assert api.get("/products/count", params={"categoryReference": "ZZ"}).status_code == 400


# --- sheets and reports ------------------------------------------------------------------------


def test_given_numbers_for_gtin_and_property_references_when_posted_then_integrated(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    body = sheet_json(1)
    body["gtin"] = int(body["gtin"])
    for attribute in body["attributes"]:
        attribute["propertyReference"] = int(attribute["propertyReference"])
    package_id = post_sheets(api, body)

    assert reports(api, package_id) == []
    sandbox.advance(LAG)
    (validated,) = reports(api, package_id)
    sandbox.advance(INTEGRATION)
    (integrated,) = reports(api, package_id)

    assert validated["status"] == "Validated"
    assert validated["productReference"] is None
    assert integrated["status"] == "Integrated"
    assert integrated["operationType"] == "Creation"
    assert integrated["gtin"] == ean13(1)
    assert integrated["productReference"] == ean13(1)
    listed = api.get("/products", params={"gtin": ean13(1)}).json()["items"]
    assert [product["label"] for product in listed] == [body["title"]]


def test_given_a_sheet_breaking_every_text_rule_when_judged_then_each_error_has_code_and_field(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    broken = sheet_json(
        2,
        gtin=ean13(2)[:-1] + str((int(ean13(2)[-1]) + 1) % 10),
        title="T" * 133,
        description="<p>" + "d" * 420 + "</p>",
        richMarketingDescription='<h1>Titre</h1><a href="https://x.fr">lien</a>' + "m" * 5000,
        sellerPictureUrls=[],
    )
    package_id = post_sheets(api, broken)
    sandbox.advance(LAG)

    (report,) = reports(api, package_id)
    by_code = {error["code"]: error["field"] for error in report["errors"]}
    assert report["status"] == "Refused"
    assert by_code["InvalidGtinChecksum"] == "gtin"
    assert by_code["TitleTooLong"] == "title"
    assert by_code["DescriptionTooLong"] == "description"
    assert by_code["ForbiddenHtml"] == "description"
    assert by_code["MarketingDescriptionTooLong"] == "richMarketingDescription"
    assert by_code["ForbiddenHtmlTag"] == "richMarketingDescription"
    assert by_code["ForbiddenLink"] == "richMarketingDescription"
    assert by_code["MissingField"] == "sellerPictureUrls"
    assert all(error["type"] == "Error" and error["message"] for error in report["errors"])


def test_given_missing_mandatory_properties_and_a_wrong_choice_when_judged_then_refused(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    reference = leaf(
        lambda c: (
            any(p["necessity"] == "Mandatory" for p in taxonomy.properties(c["categoryReference"]))
            and any(p["choices"] for p in taxonomy.properties(c["categoryReference"]))
            and not c["isVariant"]
        )
    )
    properties = taxonomy.properties(reference)
    with_choices = next(p for p in properties if p["choices"])
    body = valid_sheet(reference, 3).to_payload()
    body["attributes"] = [
        {"propertyReference": with_choices["propertyReference"], "values": ["Pas un choix"]}
    ]
    package_id = post_sheets(api, body)
    sandbox.advance(LAG)

    (report,) = reports(api, package_id)
    assert {"InvalidPropertyValue", "MissingMandatoryProperty"} <= error_codes(report)


def test_given_an_incomplete_sheet_when_judged_then_missing_fields_are_reported_not_a_400(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = post_sheets(api, {"gtin": ean13(4), "sellerProductReference": "SHEET-00004"})
    sandbox.advance(LAG)
    (report,) = reports(api, package_id)
    assert report["status"] == "Refused"
    assert {"title", "description", "categoryCode"} <= {e["field"] for e in report["errors"]}


@pytest.mark.parametrize(
    "body",
    [{}, {"products": []}, {"products": "x"}, {"products": [{}] * 10_001}],
)
def test_given_a_malformed_package_when_posted_then_400(api: httpx.Client, body: Any) -> None:
    assert api.post("/products-integration", json=body).status_code == 400


@pytest.mark.parametrize(("variant", "status"), [("level3", "Refused"), ("any", "Validated")])
def test_given_a_level_2_category_when_judged_then_each_category_variant_answers(
    sandbox: Sandbox, api: httpx.Client, variant: str, status: str
) -> None:
    sandbox.set_variants(product_category_levels=variant)
    package_id = post_sheets(api, sheet_json(5, categoryCode=PLAIN[:4], attributes=[]))
    sandbox.advance(LAG)
    (report,) = reports(api, package_id)
    assert report["status"] == status


def test_given_the_quota_in_reports_when_exceeded_then_later_creations_are_refused_for_an_hour(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.state.config.product_creations_per_hour = 2
    package_id = post_sheets(api, sheet_json(6), sheet_json(7), sheet_json(8))
    sandbox.advance(LAG)
    statuses = [r["status"] for r in reports(api, package_id)]
    sandbox.advance(3600)
    again = post_sheets(api, sheet_json(8))
    sandbox.advance(LAG)

    assert statuses == ["Validated", "Validated", "Refused"]
    assert error_codes(reports(api, package_id)[2]) == {"CreationQuotaExceeded"}
    assert [r["status"] for r in reports(api, again)] == ["Validated"]


def test_given_the_quota_as_a_status_when_a_package_does_not_fit_then_429_with_retry_after(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.state.config.product_creations_per_hour = 2
    sandbox.set_variants(creation_quota_refusal="status")
    post_sheets(api, sheet_json(9), sheet_json(10))
    sandbox.advance(600)

    refused = api.post("/products-integration", json={"products": [sheet_json(11)]})

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 3000
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_given_modifications_when_judged_then_they_do_not_use_the_quota(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.state.config.product_creations_per_hour = 1
    first = post_sheets(api, sheet_json(12))
    sandbox.advance(LAG + INTEGRATION)
    same = post_sheets(api, sheet_json(12))
    changed = post_sheets(api, sheet_json(12, title="Lampe de bureau articulée, nouvelle"))
    sandbox.advance(LAG)

    assert reports(api, first)[0]["operationType"] == "Creation"
    assert [r["operationType"] for r in reports(api, same)] == ["Identical"]
    assert [(r["operationType"], r["status"]) for r in reports(api, changed)] == [
        ("Modification", "Validated")
    ]


def test_given_manual_check_when_a_new_brand_arrives_then_held_validated_with_an_info(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_variants(manual_check="new_brands")
    package_id = post_sheets(api, sheet_json(13, brand="Marque Jamais Vue"), sheet_json(14))
    sandbox.advance(LAG + INTEGRATION)

    held, live = reports(api, package_id)
    assert held["status"] == "Validated"
    assert [info["code"] for info in held["infos"]] == ["ManualCheck"]
    assert live["status"] == "Integrated"


def test_given_the_report_paging_variants_when_asking_beyond_then_400(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = post_sheets(api, sheet_json(15))
    assert api.get("/products-integration-reports", params={"pageSize": 26}).status_code == 400
    sandbox.set_variants(report_page_size=100)
    assert reports(api, package_id, pageSize=100) == []
    assert api.get("/products-integration-reports", params={"pageSize": 101}).status_code == 400


# --- offers on products ------------------------------------------------------------------------


def upsert(sandbox: Sandbox, api: httpx.Client, request: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/offer-packages", json={"packageType": "Upsert"}, headers=CHANNEL)
    package_id = response.headers["Content-Location"].rsplit("/", 1)[1]
    api.post(f"/offer-packages/{package_id}/offer-requests", json=[request])
    api.patch(f"/offer-packages/{package_id}", json={"state": "Ready"})
    sandbox.advance(60)
    result: dict[str, Any] = api.get(f"/offer-packages/{package_id}/offer-requests-results").json()[
        "items"
    ][0]
    return result


def offer_fields(reference: str, **changes: Any) -> dict[str, Any]:
    return {
        "sellerExternalReference": reference,
        "price": {"price": 19.99, "taxes": [{"code": "VAT", "value": 20}]},
        "quantity": 3,
        "deliveryModes": [{"code": "TRK", "cost": 4.9}],
        **changes,
    }


def test_given_an_integrated_sheet_when_an_offer_names_only_its_sku_then_the_offer_is_on_it(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    post_sheets(api, sheet_json(16))
    sandbox.advance(LAG + INTEGRATION)

    result = upsert(sandbox, api, offer_fields("SHEET-00016"))

    assert result["integrationStatus"] == "Integrated", result
    assert sandbox.offer("SHEET-00016")["product"]["gtin"] == ean13(16)


def test_given_products_required_when_an_offer_names_an_unknown_gtin_then_rejected(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.state.config.offers_require_product = True
    unknown = upsert(sandbox, api, offer_fields("NEW-1", product={"gtin": ean13(17)}))
    post_sheets(api, sheet_json(18))
    sandbox.advance(LAG + INTEGRATION)
    known = upsert(sandbox, api, offer_fields("NEW-2", product={"gtin": ean13(18)}))

    assert unknown["integrationStatus"] == "Rejected"
    assert "ProductNotFound" in str(unknown)
    assert known["integrationStatus"] == "Integrated"


# --- faults and determinism --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "method", "path"),
    [
        ("brands.list", "GET", "/brands"),
        ("products.list", "GET", "/products"),
        ("products.count", "GET", "/products/count"),
        ("products.integrate", "POST", "/products-integration"),
        ("products.reports", "GET", "/products-integration-reports"),
    ],
)
def test_given_a_fault_on_a_catalog_endpoint_when_called_then_the_gateway_answers_it(
    sandbox: Sandbox, api: httpx.Client, endpoint: str, method: str, path: str
) -> None:
    sandbox.add_fault({"kind": "status", "endpoint": endpoint, "status": 429, "retry_after": 3})
    response = api.request(method, path, json={"products": [sheet_json(19)]})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert api.request(method, path, headers={"Authorization": "Bearer nope"}).status_code == 429
    sandbox.clear_faults()
    assert api.request(method, path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_given_the_same_seed_when_built_twice_then_the_same_referential() -> None:
    def snapshot() -> list[tuple[str, str, str]]:
        referential = Sandbox(SandboxConfig(seed=3)).state.referential
        return [(p.gtin, p.label, p.category_reference) for p in referential.after(None)]

    assert snapshot() == snapshot()


def test_given_the_control_api_when_catalog_settings_change_then_the_lag_follows(
    sandbox: Sandbox, http: httpx.Client, api: httpx.Client
) -> None:
    changed = http.put("/_sandbox/catalog", json={"product_report_lag_seconds": 5})
    refused = http.put("/_sandbox/catalog", json={"product_creations_per_hour": 0})
    unknown = http.put("/_sandbox/catalog", json={"seed": 3})
    package_id = post_sheets(api, sheet_json(20))
    sandbox.advance(5)

    assert changed.status_code == 200
    assert changed.json()["product_report_lag_seconds"] == 5
    assert refused.status_code == 400
    assert unknown.status_code == 400
    assert [r["status"] for r in reports(api, package_id)] == ["Validated"]
    summary = http.get("/_sandbox/state").json()
    assert summary["products"] == 60
    assert summary["sellers"][str(sandbox.credentials.seller_id)]["productPackages"] == 1


def test_given_a_package_repeating_a_gtin_when_judged_then_the_repeat_is_refused(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = post_sheets(
        api, sheet_json(21), sheet_json(21, sellerProductReference="OTHER-SKU")
    )
    sandbox.advance(LAG)
    first, repeat = reports(api, package_id)
    assert first["status"] == "Validated"
    assert repeat["status"] == "Refused"
    assert error_codes(repeat) == {"DuplicatedProduct"}


def test_given_an_unknown_category_when_judged_then_refused_naming_the_category(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = post_sheets(api, sheet_json(22, categoryCode="ZZZZZZ", attributes=[]))
    sandbox.advance(LAG)
    (report,) = reports(api, package_id)
    assert [(e["code"], e["field"]) for e in report["errors"]] == [
        ("InvalidCategory", "categoryCode")
    ]
