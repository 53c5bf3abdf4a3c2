"""`GET /offers` (cursor pagination, filters) and offer packages from upload to results."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cdlink.sandbox import Sandbox
from cdlink.sandbox.gtin import ean13_check_digit
from tests.support.sandbox_api import renew_token

CHANNEL = {"SalesChannelId": "CDISFR"}


def gtin(body: str) -> str:
    return body + str(ean13_check_digit(body))


def offer_request(reference: str, **changes: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "sellerExternalReference": reference,
        "product": {"gtin": gtin("376000000" + reference[-3:].rjust(3, "0"))},
        "condition": "New",
        "price": {"price": 19.99, "taxes": [{"code": "VAT", "value": 20}]},
        "quantity": 7,
        "preparationTime": 2,
        "deliveryModes": [{"code": "TRK", "cost": 4.9, "additionalCost": 1}],
    }
    request.update(changes)
    return request


def create_package(api: httpx.Client, kind: str = "Upsert") -> str:
    response = api.post("/offer-packages", json={"packageType": kind}, headers=CHANNEL)
    assert response.status_code == 201, response.text
    return response.headers["Content-Location"].rsplit("/", 1)[1]


def integrate(sandbox: Sandbox, api: httpx.Client, kind: str, requests: list[Any]) -> str:
    package_id = create_package(api, kind)
    assert (
        api.post(f"/offer-packages/{package_id}/offer-requests", json=requests).status_code == 204
    )
    assert api.patch(f"/offer-packages/{package_id}", json={"state": "Ready"}).status_code == 204
    sandbox.advance(60)
    return package_id


def results(api: httpx.Client, package_id: str) -> dict[str, dict[str, Any]]:
    body = api.get(f"/offer-packages/{package_id}/offer-requests-results").json()
    return {item["sellerExternalReference"]: item for item in body["items"]}


def test_given_offers_when_followed_through_link_headers_then_each_offer_once(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    seen, url, pages = [], "/offers?salesChannelId=CDISFR&limit=7", 0
    while url:
        response = api.get(url)
        seen += [item["sellerExternalReference"] for item in response.json()["items"]]
        link = response.headers.get("link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
        assert not link or link.endswith('rel="next"')
        pages += 1

    assert len(seen) == len(set(seen)) == sandbox.config.offers
    assert pages == -(-sandbox.config.offers // 7)


def test_given_filters_when_listing_offers_then_only_matching_ones(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_offer_quantity("SKU-00002", 0)
    base = {"salesChannelId": "CDISFR", "limit": 1000}

    by_reference = api.get(
        "/offers", params={**base, "sellerExternalReferences": "SKU-00001,SKU-00003"}
    )
    inactive = api.get("/offers", params={**base, "offerStates": "Inactive"})
    first = by_reference.json()["items"][0]
    by_gtin = api.get("/offers", params={**base, "gtins": first["product"]["gtin"]})
    by_id = api.get("/offers", params={**base, "offerIds": first["offerId"]})
    since = api.get("/offers", params={**base, "updatedAtMin": sandbox.now()})

    assert [item["sellerExternalReference"] for item in by_reference.json()["items"]] == [
        "SKU-00001",
        "SKU-00003",
    ]
    assert "SKU-00002" in {item["sellerExternalReference"] for item in inactive.json()["items"]}
    assert all(item["offerState"] == "Inactive" for item in inactive.json()["items"])
    assert [item["offerId"] for item in by_gtin.json()["items"]] == [first["offerId"]]
    assert by_id.json()["itemsPerPage"] == 1
    assert [item["sellerExternalReference"] for item in since.json()["items"]] == ["SKU-00002"]


def test_given_expand_or_fields_when_listing_offers_then_feedback_or_projection(
    api: httpx.Client,
) -> None:
    base = {"salesChannelId": "CDISFR", "limit": 2}

    expanded = api.get("/offers", params={**base, "expand": "salesChannelFeedback"}).json()
    projected = api.get(
        "/offers", params={**base, "fields": "salesChannelFeedback.competingOffers,quantity"}
    ).json()

    assert "bestOfferDetails" in expanded["items"][0]["salesChannelFeedback"]
    assert set(projected["items"][0]) == {
        "offerId",
        "sellerExternalReference",
        "quantity",
        "salesChannelFeedback",
    }


@pytest.mark.parametrize(
    "params",
    [{}, {"salesChannelId": "CDISFR", "limit": "1001"},
     {"salesChannelId": "CDISFR", "cursor": "%%%"},
     {"salesChannelId": "CDISFR", "offerStates": "Sleeping"}],
)  # fmt: skip
def test_given_bad_offer_queries_when_listing_then_400(
    api: httpx.Client, params: dict[str, str]
) -> None:
    assert api.get("/offers", params=params).status_code == 400


def test_given_another_channel_when_listing_offers_then_empty(api: httpx.Client) -> None:
    body = api.get("/offers", params={"salesChannelId": "OTHERCHANNEL"}).json()

    assert body == {"itemsPerPage": 0, "items": []}


def test_given_an_upsert_package_when_integrated_then_results_and_offers_follow(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    requests = [
        offer_request("NEW-001"),
        offer_request("NEW-002", product={"gtin": "3760000000001"}),
        offer_request("NEW-003", price={"price": 0, "taxes": [{"code": "VAT", "value": 20}]}),
        offer_request("NEW-004", price={"price": 10, "taxes": []}),
        offer_request("NEW-005", deliveryModes=[{"code": "DRONE", "cost": 1}]),
        offer_request("NEW-006", price={"price": 10, "taxes": [{"code": "VAT", "value": 0.2}]}),
        offer_request("NEW-007"),
        offer_request("NEW-007", quantity=3),
        offer_request("NEW-008", quantity=-1, condition="Stolen"),
    ]
    package_id = create_package(api)
    path = f"/offer-packages/{package_id}"
    assert api.post(f"{path}/offer-requests", json=requests).status_code == 204
    early = api.get(f"{path}/offer-requests-results")
    assert api.patch(path, json={"state": "Ready"}).status_code == 204
    late_upload = api.post(f"{path}/offer-requests", json=[offer_request("NEW-009")])
    states = [api.get(path).json()["state"]]
    sandbox.advance(5)
    states.append(api.get(path).json()["state"])
    sandbox.advance(30)
    states.append(api.get(path).json()["state"])

    found = results(api, package_id)
    assert early.status_code == 400
    assert late_upload.status_code == 409
    assert states == ["Ready", "IntegrationPending", "Integrated"]
    status = {reference: item["integrationStatus"] for reference, item in found.items()}
    assert status == {
        "NEW-001": "Integrated", "NEW-002": "Rejected", "NEW-003": "Rejected",
        "NEW-004": "Rejected", "NEW-005": "Rejected", "NEW-006": "Rejected",
        "NEW-007": "Duplicated", "NEW-008": "Rejected",
    }  # fmt: skip
    codes = {
        reference: [r["resultCode"] for r in item["results"]] for reference, item in found.items()
    }
    assert codes["NEW-002"] == ["InvalidGtin"]
    assert codes["NEW-003"] == ["InvalidPrice"]
    assert codes["NEW-004"] == ["MissingTaxes"]
    assert codes["NEW-005"] == ["UnknownDeliveryMode"]
    assert codes["NEW-006"] == ["InvalidTaxes"]
    assert set(codes["NEW-008"]) == {"InvalidQuantity", "InvalidCondition"}
    offers = api.get(
        "/offers",
        params={"salesChannelId": "CDISFR", "sellerExternalReferences": "NEW-001,NEW-007"},
    )
    assert [item["sellerExternalReference"] for item in offers.json()["items"]] == ["NEW-001"]
    assert offers.json()["items"][0]["quantity"] == 7


def test_given_the_rate_variant_when_vat_is_sent_as_a_rate_then_it_integrates(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_variants(vat_format="rate")
    price = {"price": 12.5, "taxes": [{"code": "vat", "type": "Rate", "value": 0.2}]}

    package_id = integrate(sandbox, api, "Upsert", [offer_request("RATE-001", price=price)])

    assert results(api, package_id)["RATE-001"]["integrationStatus"] == "Integrated"
    offer = api.get(
        "/offers", params={"salesChannelId": "CDISFR", "sellerExternalReferences": "RATE-001"}
    )
    assert offer.json()["items"][0]["taxes"] == [{"code": "VAT", "type": "Rate", "value": 0.2}]


def test_given_an_update_package_when_integrated_then_quantity_and_price_change(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    price = {"price": 33.3, "taxes": [{"code": "VAT", "value": 20}]}
    requests = [
        {"sellerExternalReference": "SKU-00001", "quantity": 123, "price": price},
        {"sellerExternalReference": "SKU-00002", "product": {"gtin": gtin("376999999999")}},
        {"sellerExternalReference": "NOT-THERE", "quantity": 1},
    ]

    package_id = integrate(sandbox, api, "Update", requests)

    found = results(api, package_id)
    offer = api.get(
        "/offers", params={"salesChannelId": "CDISFR", "sellerExternalReferences": "SKU-00001"}
    ).json()["items"][0]
    assert found["SKU-00001"]["integrationStatus"] == "Integrated"
    assert found["SKU-00002"]["results"][0]["resultCode"] == "ProductIdentityChange"
    assert found["NOT-THERE"]["results"][0]["resultCode"] == "OfferNotFound"
    assert (offer["quantity"], offer["facialPrice"]["price"]) == (123, 33.3)


def test_given_a_delete_package_when_integrated_then_the_offer_is_gone(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = integrate(
        sandbox,
        api,
        "Delete",
        [{"sellerExternalReference": "SKU-00003"}, {"sellerExternalReference": "GONE"}],
    )

    found = results(api, package_id)
    remaining = api.get(
        "/offers", params={"salesChannelId": "CDISFR", "sellerExternalReferences": "SKU-00003"}
    )
    assert found["SKU-00003"]["integrationStatus"] == "Integrated"
    assert found["GONE"]["integrationStatus"] == "Rejected"
    assert remaining.json()["items"] == []


def test_given_integrated_results_when_three_days_pass_then_they_expire(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = integrate(sandbox, api, "Upsert", [offer_request("EXP-001")])
    before = api.get(f"/offer-packages/{package_id}/offer-requests-results")

    sandbox.advance(3 * 86400)
    renew_token(api, sandbox)
    after = api.get(f"/offer-packages/{package_id}/offer-requests-results")

    assert before.status_code == 200
    assert after.status_code == 404


def test_given_many_results_when_paged_then_link_header_leads_to_the_rest(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = integrate(
        sandbox, api, "Upsert", [offer_request(f"PAGE-{n:03d}") for n in range(30)]
    )

    first = api.get(f"/offer-packages/{package_id}/offer-requests-results", params={"limit": 20})
    link = first.headers["link"].split(">", 1)[0].lstrip("<")
    second = api.get(link)

    assert first.json()["itemsPerPage"] == 20
    assert second.json()["itemsPerPage"] == 10
    assert "link" not in second.headers


def test_given_an_empty_package_when_marked_ready_then_rejected(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    package_id = create_package(api)

    api.patch(f"/offer-packages/{package_id}", json={"state": "Ready"})
    sandbox.advance(60)

    assert api.get(f"/offer-packages/{package_id}").json()["state"] == "Rejected"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [({"packageType": "Upsert"}, {}, 400), ({"packageType": "Replace"}, CHANNEL, 400),
     ({}, CHANNEL, 400)],
)  # fmt: skip
def test_given_bad_package_creations_when_posted_then_400(
    api: httpx.Client, body: dict[str, str], headers: dict[str, str], status: int
) -> None:
    assert api.post("/offer-packages", json=body, headers=headers).status_code == status


def test_given_bad_uploads_when_posted_then_400_404_or_409(api: httpx.Client) -> None:
    package_id = create_package(api)
    path = f"/offer-packages/{package_id}"

    too_many = api.post(
        f"{path}/offer-requests", json=[offer_request(f"X-{n:03d}") for n in range(101)]
    )
    not_array = api.post(f"{path}/offer-requests", json={"sellerExternalReference": "X"})
    unknown = api.post("/offer-packages/nope/offer-requests", json=[offer_request("X-001")])
    bad_state = api.patch(path, json={"state": "Integrated"})

    assert too_many.status_code == 400
    assert not_array.status_code == 400
    assert unknown.status_code == 404
    assert bad_state.status_code == 400
    api.patch(path, json={"state": "Ready"})
    assert api.patch(path, json={"state": "Ready"}).status_code == 409


def test_given_packages_when_listed_by_state_then_cursor_pages(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    ids = [create_package(api) for _ in range(3)]
    api.patch(f"/offer-packages/{ids[0]}", json={"state": "Ready"})

    waiting = api.get("/offer-packages", params={"state": "WaitingForCompletion", "limit": 1})
    second = api.get(waiting.headers["link"].split(">", 1)[0].lstrip("<"))
    ready = api.get("/offer-packages", params={"state": "Ready"}).json()

    assert [item["packageId"] for item in waiting.json()["items"]] == [ids[1]]
    assert [item["packageId"] for item in second.json()["items"]] == [ids[2]]
    assert [item["packageId"] for item in ready["items"]] == [ids[0]]
    assert api.get("/offer-packages", params={"state": "Bogus"}).status_code == 400


def test_given_each_kind_of_invalid_upsert_when_integrated_then_its_result_code(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    taxes = [{"code": "VAT", "value": 20}]
    cases = {
        "MissingProduct": offer_request("BAD-001", product={}),
        "InvalidOriginPrice": offer_request(
            "BAD-002", price={"price": 10, "originPrice": 9, "taxes": taxes}
        ),
        "InvalidTaxes": offer_request(
            "BAD-003", price={"price": 10, "taxes": [{"code": "Sugar", "value": 1}]}
        ),
        "MissingTaxes": offer_request(
            "BAD-004", price={"price": 10, "taxes": [{"code": "Ecotax", "value": 0.5}]}
        ),
        "MissingDeliveryModes": offer_request("BAD-005", deliveryModes=[]),
        "InvalidDeliveryCost": offer_request(
            "BAD-006", deliveryModes=[{"code": "REG", "cost": "cheap"}]
        ),
        "InvalidPreparationTime": offer_request("BAD-007", preparationTime=90),
        "InvalidSellerExternalReference": offer_request("1" * 51),
    }

    package_id = integrate(sandbox, api, "Upsert", list(cases.values()))

    found = results(api, package_id)
    for code, request in cases.items():
        result = found[request["sellerExternalReference"]]
        assert result["integrationStatus"] == "Rejected", code
        assert [item["resultCode"] for item in result["results"]] == [code]


def test_given_a_valid_upsert_with_extras_when_integrated_then_every_value_is_kept(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    price = {
        "price": 15,
        "originPrice": 19.9,
        "taxes": [{"code": "VAT", "value": 5.5}, {"code": "Ecotax", "value": 0.3}],
    }
    request = offer_request(
        "FULL-001", price=price, condition="usedlikenew", deliveryModes=[{"code": "REG", "cost": 0}]
    )

    integrate(sandbox, api, "Upsert", [request])

    offer = sandbox.offer("FULL-001")
    assert offer["condition"] == "UsedLikeNew"
    assert offer["originPrice"] == 19.9
    assert offer["taxes"] == [{"code": "VAT", "value": 5.5}, {"code": "Ecotax", "value": 0.3}]
    assert offer["offerState"] == "Active"
