"""Order endpoints: listing with every filter, pagination, count, get, approval and shipment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import Sandbox, SandboxConfig
from tests.support.sandbox_api import START, decimal_json, fetch_token

PARCEL = {
    "parcelNumber": "6A123456789",
    "carrierName": "Colissimo",
    "trackingUrl": "https://t.fr/1",
}


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(seed=7, orders=0, offers=40, customer_cancel_probability=0.0)


@pytest.fixture
def stocked(sandbox: Sandbox) -> Sandbox:
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    return sandbox


def page_through(api: httpx.Client, size: int, **params: str) -> list[dict[str, object]]:
    items, index = [], 1
    while True:
        body = api.get("/orders", params={**params, "pageIndex": index, "pageSize": size}).json()
        items += body["items"]
        assert body["itemsPerPage"] == len(body["items"])
        if body["itemsPerPage"] < size:
            return items
        index += 1


def test_given_250_orders_when_paged_by_100_then_two_full_pages_and_a_short_one(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.create_orders(250)

    sizes = [
        api.get("/orders", params={"pageIndex": index, "pageSize": 100}).json()["itemsPerPage"]
        for index in (1, 2, 3, 4)
    ]
    count = api.get("/orders/count")

    assert sizes == [100, 100, 50, 0]
    assert count.json() == 250
    assert count.text == "250"
    assert len({order["orderId"] for order in page_through(api, 100)}) == 250


def test_given_orders_in_several_states_when_filtered_by_status_then_only_those(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.create_orders(3, status="WaitingAcceptance")
    stocked.create_orders(2, status="Shipped")

    waiting = api.get("/orders", params={"status": "WaitingAcceptance"}).json()["items"]
    shipped_count = api.get("/orders/count", params={"status": "Shipped"}).json()

    assert len(waiting) == 3
    assert {order["status"] for order in waiting} == {"WaitingAcceptance"}
    assert shipped_count == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "Sleeping"},
        {"supplyMode": "Drone"},
        {"businessOrder": "maybe"},
        {"updatedAtMin": "yesterday"},
        {"pageSize": "0"},
        {"pageIndex": "-1"},
        {"sort": "price"},
    ],
)
def test_given_invalid_filters_when_listing_then_400_naming_the_field(
    api: httpx.Client, params: dict[str, str]
) -> None:
    response = api.get("/orders", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert set(response.json()["errors"]) & {*params, "pageSize", "pageIndex"}


def test_given_a_changed_order_when_reading_with_updated_at_min_then_only_it_returns(
    stocked: Sandbox, api: httpx.Client
) -> None:
    first, second = stocked.create_orders(2)
    stocked.advance(60)
    since = stocked.now()

    assert (
        api.post(
            f"/orders/{second}/approval-status", json={"approval_status": "Accepted"}
        ).status_code
        == 204
    )
    changed = api.get("/orders", params={"updatedAtMin": since}).json()["items"]

    assert [order["orderId"] for order in changed] == [second]
    assert changed[0]["updatedAt"] >= since
    assert first != second


def test_given_orders_at_different_times_when_filtered_by_creation_window_then_inside_only(
    stocked: Sandbox, api: httpx.Client
) -> None:
    early = stocked.create_orders(2)
    stocked.advance(3600)
    late = stocked.create_orders(3)
    window = {
        "createdAtMin": (START + timedelta(minutes=30)).isoformat(),
        "createdAtMax": (START + timedelta(hours=2)).isoformat(),
    }

    found = [order["orderId"] for order in api.get("/orders", params=window).json()["items"]]

    assert sorted(found) == sorted(late)
    assert not set(found) & set(early)


def test_given_orders_when_filtered_by_reference_channel_and_country_then_matching(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(3)[1]

    by_reference = api.get("/orders", params={"reference": order_id}).json()["items"]
    other_channel = api.get("/orders/count", params={"salesChannelId": "AMAZONFR"}).json()
    france = api.get("/orders/count", params={"shippingCountry": "FR"}).json()
    fulfilment = api.get("/orders/count", params={"supplyMode": "Fulfillment"}).json()

    assert [order["orderId"] for order in by_reference] == [order_id]
    assert (other_channel, france, fulfilment) == (0, 3, 0)


def test_given_the_field_sort_format_when_sorting_descending_then_newest_first(
    stocked: Sandbox, api: httpx.Client
) -> None:
    ids = []
    for _ in range(3):
        ids += stocked.create_orders(1)
        stocked.advance(10)

    body = api.get("/orders", params={"sort": "createdAt", "desc": "true"}).json()
    rejected = api.get("/orders", params={"sort": "asc:updatedAt"})

    assert [order["orderId"] for order in body["items"]] == ids[::-1]
    assert rejected.status_code == 400


def test_given_the_prefixed_sort_format_when_sorting_then_it_is_the_only_one_accepted(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.set_variants(orders_sort="prefixed")
    ids = []
    for _ in range(3):
        ids += stocked.create_orders(1)
        stocked.advance(10)

    descending = api.get("/orders", params={"sort": "desc:updatedAt"}).json()["items"]
    ascending = api.get("/orders", params={"sort": "asc:createdAt", "pageSize": 2}).json()
    rejected = api.get("/orders", params={"sort": "createdAt"})

    assert [order["orderId"] for order in descending] == ids[::-1]
    assert [order["orderId"] for order in ascending["items"]] == ids[:2]
    assert rejected.status_code == 400


def test_given_an_unknown_order_when_read_then_404_problem(api: httpx.Client) -> None:
    response = api.get("/orders/2601010000NOPE1")

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_given_an_order_when_read_then_money_adds_up_exactly(
    stocked: Sandbox, api: httpx.Client
) -> None:
    for order_id in stocked.create_orders(30):
        order = decimal_json(api.get(f"/orders/{order_id}"))
        line_total = Decimal(0)
        for line in order["lines"]:
            price = line["sellingPrice"]
            expected = price["unitSalesPrice"] * line["quantity"] + price["shippingCost"]
            assert line["totalPrice"]["sellingPrice"] == expected
            commission = line["offerPrice"]["commission"]
            assert commission["amountWithVat"] >= commission["amountWithoutVat"] > 0
            line_total += line["totalPrice"]["sellingPrice"]
        fees = sum((fee["amount"] for fee in order["serviceFees"]), Decimal(0))
        assert order["totalPrice"]["sellingPrice"] == line_total + fees


def test_given_the_tax_named_variant_when_reading_then_commission_uses_amount_with_tax(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    stocked.set_variants(commission_field="amountWithTax", vat_format="rate")

    line = api.get(f"/orders/{order_id}").json()["lines"][0]

    assert set(line["offerPrice"]["commission"]) == {"amountWithTax", "amountWithoutVat", "rate"}
    assert line["sellingPrice"]["taxes"][0]["rate"] == 0.2


def test_given_a_waiting_order_when_approved_twice_then_204_then_409(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    path = f"/orders/{order_id}/approval-status"

    first = api.post(path, json={"approval_status": "Accepted"})
    second = api.post(path, json={"approval_status": "Accepted"})

    assert first.status_code == 204
    assert second.status_code == 409
    assert api.get(f"/orders/{order_id}").json()["status"] == "Accepted"


@pytest.mark.parametrize(
    "body", [{"approval_status": "Maybe"}, {"approvalStatus": "Accepted"}, ["Accepted"]]
)
def test_given_a_bad_approval_body_when_posted_then_400(
    stocked: Sandbox, api: httpx.Client, body: object
) -> None:
    order_id = stocked.create_orders(1)[0]

    response = api.post(f"/orders/{order_id}/approval-status", json=body)

    assert response.status_code == 400


def test_given_a_non_json_body_when_posted_then_415_or_400(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    path = f"/orders/{order_id}/approval-status"

    as_text = api.post(path, content=b"Accepted", headers={"Content-Type": "text/plain"})
    broken = api.post(path, content=b"{", headers={"Content-Type": "application/json"})

    assert as_text.status_code == 415
    assert broken.status_code == 400


def test_given_a_refused_order_when_read_then_refused_and_stock_returns(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    line = api.get(f"/orders/{order_id}").json()["lines"][0]
    reference = line["offer"]["sellerProductId"]
    before = stocked.offer(reference)["quantity"]

    api.post(f"/orders/{order_id}/approval-status", json={"approval_status": "Refused"})

    assert api.get(f"/orders/{order_id}").json()["status"] == "Refused"
    assert stocked.offer(reference)["quantity"] == before + line["quantity"]


def test_given_an_order_before_preparation_when_read_then_no_shipping_address(
    stocked: Sandbox, api: httpx.Client
) -> None:
    waiting = stocked.create_orders(1)[0]
    preparing = stocked.create_orders(1, status="InPreparation")[0]

    hidden = api.get(f"/orders/{waiting}").json()["lines"][0]["shippingAddress"]
    shown = api.get(f"/orders/{preparing}").json()["lines"][0]["shippingAddress"]

    assert hidden is None
    assert shown["postalCode"]
    assert shown["city"]
    assert shown["countryCode"] == "FR"


def test_given_an_order_not_in_preparation_when_shipped_then_409(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]

    response = api.post(f"/orders/{order_id}/shipments", json=[PARCEL])

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{**PARCEL, "carrierName": "Pigeon Express"}], "[0].carrierName"),
        ([{"carrierName": "Colissimo"}], "[0].parcelNumber"),
        ([{**PARCEL, "orderLineIds": ["99"]}], "[0].orderLineIds"),
        ([{**PARCEL, "trackingUrl": "ftp://x"}], "[0].trackingUrl"),
        ([PARCEL, PARCEL], "$"),
    ],
)
def test_given_invalid_parcels_when_shipping_then_400_naming_the_field(
    stocked: Sandbox, api: httpx.Client, body: list[dict[str, object]], field: str
) -> None:
    order_id = stocked.create_orders(1, status="InPreparation")[0]

    response = api.post(f"/orders/{order_id}/shipments", json=body)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_given_an_order_in_preparation_when_shipped_then_201_and_parcels_recorded(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1, status="InPreparation")[0]

    response = api.post(f"/orders/{order_id}/shipments", json=[{**PARCEL, "carrierName": "UPS"}])

    order = api.get(f"/orders/{order_id}").json()
    assert response.status_code == 201
    assert order["status"] == "Shipped"
    assert order["lines"][0]["parcels"][0]["parcelNumber"] == PARCEL["parcelNumber"]


def test_given_several_parcels_allowed_when_lines_ship_separately_then_shipped_at_the_end(
    manual_clock: ManualClock,
) -> None:
    sandbox = Sandbox(
        SandboxConfig(single_parcel_per_order=False, customer_cancel_probability=0.0, orders=0),
        clock=manual_clock,
    )
    sandbox.seed(offers=40, orders=0, quantity=10_000)
    order_id = next(
        order
        for order in sandbox.create_orders(40, status="InPreparation")
        if len(sandbox.order(order)["lines"]) > 1
    )
    lines = [line["orderLineId"] for line in sandbox.order(order_id)["lines"]]
    token_client = httpx.Client(transport=sandbox.transport(), base_url="http://sandbox")
    with token_client as http:
        token = fetch_token(http, sandbox.credentials.client_id, sandbox.credentials.client_secret)
        headers = {
            "Authorization": f"Bearer {token}",
            "SellerId": str(sandbox.credentials.seller_id),
        }
        path = f"/seller/v2/orders/{order_id}/shipments"
        http.post(path, json=[{**PARCEL, "orderLineIds": lines[:1]}], headers=headers)
        partly = http.get(f"/seller/v2/orders/{order_id}", headers=headers).json()["status"]
        http.post(path, json=[{**PARCEL, "orderLineIds": lines[1:]}], headers=headers)
        fully = http.get(f"/seller/v2/orders/{order_id}", headers=headers).json()["status"]

    assert (partly, fully) == ("InPreparation", "Shipped")


@pytest.mark.parametrize("desc", ["false", "true"])
def test_given_recent_changes_when_read_by_updated_at_in_creation_order_then_as_a_full_scan(
    stocked: Sandbox, api: httpx.Client, desc: str
) -> None:
    ids = stocked.create_orders(120)
    stocked.advance(60)
    since = stocked.now()
    for order_id in ids[5:100:7]:
        api.post(f"/orders/{order_id}/approval-status", json={"approval_status": "Accepted"})
    everything = page_through(api, 100, sort="createdAt", desc=desc)
    expected = [order["orderId"] for order in everything if str(order["updatedAt"]) >= since]

    recent = page_through(api, 5, updatedAtMin=since, sort="createdAt", desc=desc)
    wide = page_through(api, 5, updatedAtMin=START.isoformat(), sort="createdAt", desc=desc)

    assert [order["orderId"] for order in recent] == expected
    assert len(expected) == len(ids[5:100:7])
    assert [order["orderId"] for order in wide] == [order["orderId"] for order in everything]


def test_given_the_processing_status_when_filtered_then_nothing_is_listed(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.create_orders(3)

    assert api.get("/orders/count", params={"status": "Processing"}).json() == 0


def test_given_one_parcel_per_order_when_shipping_only_some_lines_then_400(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = next(
        order
        for order in stocked.create_orders(40, status="InPreparation")
        if len(stocked.order(order)["lines"]) > 1
    )

    response = api.post(f"/orders/{order_id}/shipments", json=[{**PARCEL, "orderLineIds": ["1"]}])

    assert response.status_code == 400
    assert "$" in response.json()["errors"]


def test_given_shipped_and_unshipped_orders_when_filtered_by_shipping_date_then_shipped_only(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.create_orders(2)
    stocked.advance(60)
    shipped = stocked.create_orders(2, status="Shipped")

    found = api.get("/orders", params={"shippedAtMin": START.isoformat()}).json()["items"]
    none = api.get("/orders/count", params={"shippedAtMax": START.isoformat()}).json()

    assert sorted(order["orderId"] for order in found) == sorted(shipped)
    assert none == 0
