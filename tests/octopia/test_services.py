"""Each service sends the documented path, headers and body, and reads the answer."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from cdlink.octopia import (
    Conflict,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    OctopiaClient,
    OrderQuery,
)
from cdlink.octopia.models import (
    OfferRequest,
    OrderStatus,
    PackageState,
    PackageType,
    Parcel,
    PartialCancellationLine,
)
from cdlink.octopia.services import OfferQuery
from tests.support.octopia_fakes import API_URL, FakeOctopia, order_payload, page, problem, recorded


def body_of(request: httpx.Request) -> object:
    return json.loads(request.content)


def test_given_the_seller_endpoints_when_read_then_shop_modes_addresses_and_more_come_back(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET", "/sellers", httpx.Response(200, json={"seller_id": 700085, "shop_name": "Boutique"})
    )
    fake.route(
        "GET",
        "/sellers/delivery-modes",
        httpx.Response(200, json=recorded("delivery-modes.measured-sample.json")),
    )
    fake.route(
        "GET",
        "/sellers/adresses",
        httpx.Response(200, json=[{"type": "Billing", "zip-code": "75001"}]),
    )
    fake.route("GET", "/sellers/indicators", httpx.Response(200, json={"order_acceptation": 0.98}))
    fake.route(
        "GET",
        "/sellers/subscriptions",
        httpx.Response(200, json={"items": [{"sales-channel-id": "CDISFR"}]}),
    )
    assert client.sellers.get().shop_name == "Boutique"
    assert [m.code for m in client.sellers.delivery_modes()] == ["TRK", "REG"]
    assert client.sellers.addresses()[0].zip_code == "75001"  # via the "adresses" spelling
    assert client.sellers.indicators().named()["order_acceptation"].value_d30 == Decimal("0.98")
    assert client.sellers.subscriptions()[0].sales_channel_id == "CDISFR"


def test_given_carriers_when_listed_then_all_recorded_carriers_and_bad_ones_left_out(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    carriers = recorded("carriers.get-carriers.reconstructed.json")
    fake.route("GET", "/carriers", httpx.Response(200, json=[*carriers, {"code": "x"}]))
    assert len(client.carriers.list()) == 66


def test_given_an_order_id_when_got_then_the_path_is_escaped_and_the_order_read(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders/A%2F1", httpx.Response(200, json=order_payload("A/1")))
    assert client.orders.get("A/1").order_id == "A/1"


def test_given_a_query_when_counting_then_filters_go_as_parameters_and_the_integer_comes_back(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders/count", httpx.Response(200, json=3))
    query = OrderQuery(
        statuses=[OrderStatus.SHIPPED],
        sales_channel_id="CDISFR",
        business_order=False,
        sort="createdAt",
        desc=True,
    )
    assert client.orders.count(query) == 3
    params = fake.api_requests()[0].url.params
    assert params["status"] == "Shipped"
    assert params["businessOrder"] == "false"
    assert params["desc"] == "true"


def test_given_a_count_that_is_not_a_number_when_counting_then_malformed(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders/count", httpx.Response(200, json="three"))
    with pytest.raises(MalformedResponse):
        client.orders.count()


def test_given_an_order_waiting_when_accepted_or_refused_then_the_snake_case_body_is_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/orders/A1/approval-status", httpx.Response(204))
    client.orders.accept("A1")
    client.orders.refuse("A1")
    assert [body_of(r) for r in fake.api_requests()] == [
        {"approval_status": "Accepted"},
        {"approval_status": "Refused"},
    ]


def test_given_parcels_when_shipping_then_an_array_is_posted_and_201_accepted(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/orders/A1/shipments", httpx.Response(201))
    client.orders.ship(
        "A1",
        [
            Parcel(
                parcel_number="TRK1",
                carrier_name="Colissimo",
                tracking_url="https://t/1",
                order_line_ids=["1"],
            )
        ],
    )
    assert body_of(fake.api_requests()[0]) == [
        {
            "parcelNumber": "TRK1",
            "carrierName": "Colissimo",
            "trackingUrl": "https://t/1",
            "orderLineIds": ["1"],
        }
    ]
    with pytest.raises(ValueError, match="parcel"):
        client.orders.ship("A1", [])


def test_given_an_order_not_waiting_when_accepted_then_conflict(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "POST", "/orders/A1/approval-status", problem(409, "Order is not waiting for acceptance")
    )
    with pytest.raises(Conflict, match="not waiting"):
        client.orders.accept("A1")


def test_given_a_seller_cancellation_when_sent_then_full_and_partial_bodies_are_right(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "POST",
        "/order-cancellation-requests",
        httpx.Response(201, json={"cancellationRequestId": "c1"}),
    )
    fake.route("POST", "/order-partial-cancellation-requests", httpx.Response(201))
    assert client.orders.cancel("A1", "OutOfStock") == {"cancellationRequestId": "c1"}
    line = PartialCancellationLine(line_id="2", offer_id="o2", reason="OutOfStock")
    assert client.orders.cancel_lines("A1", [line]) is None
    full, partial = (body_of(r) for r in fake.api_requests())
    assert full == {"orderSellerId": "A1", "reason": "OutOfStock", "shippingCostRefund": True}
    assert partial == {
        "orderSellerId": "A1",
        "lines": [
            {"lineId": "2", "offerId": "o2", "reason": "OutOfStock", "shippingCostRefund": False}
        ],
    }


def test_given_cancellation_reasons_when_asked_then_channel_user_type_and_status_are_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET",
        "/cancellation-reasons",
        httpx.Response(200, json=[{"code": "OutOfStock", "label": "Rupture"}]),
    )
    reasons = client.orders.cancellation_reasons(OrderStatus.WAITING_ACCEPTANCE)
    assert reasons[0].code == "OutOfStock"
    assert reasons[0].label == "Rupture"
    params = fake.api_requests()[0].url.params
    assert dict(params) == {
        "salesChannel": "CDISFR",
        "userType": "Seller",
        "orderStatus": "WaitingAcceptance",
    }


def test_given_offer_filters_when_listing_then_they_go_as_repeated_parameters(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/offers", page([{"offerId": "o1"}]))
    query = OfferQuery(
        seller_external_references=["A", "B"],
        offer_states=["Active"],
        expand="salesChannelFeedback",
    )
    assert [o.offer_id for o in client.offers.list(query, limit=10)] == ["o1"]
    params = fake.api_requests()[0].url.params
    assert params.get_list("sellerExternalReferences") == ["A", "B"]
    assert params["offerStates"] == "Active"
    assert params["limit"] == "10"
    with pytest.raises(ValueError, match="limit"):
        client.offers.list_pages(limit=1001)


def requests_for(count: int) -> list[OfferRequest]:
    return [OfferRequest(seller_external_reference=f"SKU{n}", quantity=n) for n in range(count)]


def test_given_a_package_flow_when_submitted_then_create_chunks_and_ready_are_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    location = {"Content-Location": "https://api.test/seller/v2/offer-packages/pkg-42"}
    fake.route("POST", "/offer-packages", httpx.Response(201, headers=location))
    fake.route("POST", "/offer-packages/pkg-42/offer-requests", httpx.Response(201))
    fake.route("PATCH", "/offer-packages/pkg-42", httpx.Response(204))
    assert client.offer_packages.submit(PackageType.UPDATE, requests_for(250)) == "pkg-42"
    create, *uploads, ready = fake.api_requests()
    assert body_of(create) == {"packageType": "Update"}
    assert create.headers["salesChannelId"] == "CDISFR"
    assert [len(body_of(u)) for u in uploads] == [100, 100, 50]  # type: ignore[arg-type]
    assert body_of(ready) == {"state": "Ready"}


def test_given_a_package_id_only_in_the_body_when_created_then_it_is_read(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "POST",
        "/offer-packages",
        httpx.Response(201, json={"packageId": "p-body"}),
        httpx.Response(201),
    )
    assert client.offer_packages.create() == "p-body"
    with pytest.raises(MalformedResponse, match="package id"):
        client.offer_packages.create()


def test_given_a_package_already_ready_when_marking_ready_again_then_it_is_success(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("PATCH", "/offer-packages/p1", problem(409, "not WaitingForCompletion"))
    fake.route(
        "GET", "/offer-packages/p1", httpx.Response(200, json={"packageId": "p1", "state": "Ready"})
    )
    client.offer_packages.mark_ready("p1")


def test_given_a_package_still_open_when_ready_is_refused_then_the_error_goes_up(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("PATCH", "/offer-packages/p1", problem(400, "empty package"))
    fake.route(
        "GET", "/offer-packages/p1", httpx.Response(200, json={"state": "WaitingForCompletion"})
    )
    with pytest.raises(InvalidRequest, match="empty package"):
        client.offer_packages.mark_ready("p1")


def test_given_an_integrated_package_when_polled_and_read_then_results_follow_the_cursor(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET",
        "/offer-packages/p1",
        httpx.Response(200, json={"packageId": "p1", "state": "Integrated"}),
    )
    next_page = {
        "Link": f'<{API_URL}/offer-packages/p1/offer-requests-results?cursor=2>; rel="next"'
    }
    fake.route(
        "GET",
        "/offer-packages/p1/offer-requests-results",
        page([{"sellerExternalReference": "SKU1", "integrationStatus": "Integrated"}], **next_page),
        page(
            [
                {
                    "sellerExternalReference": "SKU2",
                    "integrationStatus": "Rejected",
                    "results": [{"resultCode": "E1"}],
                }
            ]
        ),
    )
    assert client.offer_packages.get("p1").is_finished
    results = list(client.offer_packages.results("p1"))
    assert [r.integration_status for r in results] == ["Integrated", "Rejected"]
    assert results[1].results[0].result_code == "E1"


def test_given_packages_when_listed_by_state_then_the_filter_is_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/offer-packages", page([{"packageId": "p1", "state": "Ready"}]))
    pages = list(client.offer_packages.list_pages(state=PackageState.READY))
    assert pages[0].items[0].package_id == "p1"
    assert fake.api_requests()[0].url.params["state"] == "Ready"


def test_given_a_chunk_size_over_100_when_adding_requests_then_refused(
    client: OctopiaClient,
) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        client.offer_packages.add_requests("p1", requests_for(1), chunk_size=101)


def test_given_the_catalog_when_read_then_language_fields_and_pages_are_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET",
        "/categories",
        page([{"categoryReference": f"0R04{n:02d}"} for n in range(100)]),
        page([{"categoryReference": "0R0500"}]),
    )
    fake.route(
        "GET",
        "/categories/0R0404",
        httpx.Response(200, json={"categoryReference": "0R0404", "label": "Théières"}),
    )
    fake.route(
        "GET",
        "/categories/0R0404/properties",
        httpx.Response(
            200, json={"items": [{"propertyReference": "Couleur", "necessity": "Mandatory"}]}
        ),
    )
    fake.route("GET", "/categories/count", httpx.Response(200, json=8000))
    assert len(list(client.categories.list())) == 101
    assert client.categories.get("0R0404").label == "Théières"
    assert client.categories.properties("0R0404")[0].property_reference == "Couleur"
    assert client.categories.count() == 8000
    first = fake.api_requests()[0]
    assert first.headers["accept-language"] == "fr-FR"
    assert "isBrandMandatory" in first.url.params["fields"]


def test_given_an_unknown_category_when_got_then_not_found(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/categories/ZZZZZZ", problem(404, "Category not found"))
    with pytest.raises(NotFound, match="Category not found"):
        client.categories.get("ZZZZZZ")


def test_given_a_seller_answer_that_does_not_fit_when_read_then_malformed_names_the_field(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/sellers", httpx.Response(200, json={"shop_name": "no id"}))
    with pytest.raises(MalformedResponse, match="seller_id"):
        client.sellers.get()
