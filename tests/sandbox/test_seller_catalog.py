"""Seller, category and unknown-path endpoints."""

from __future__ import annotations

import httpx
import pytest

from cdlink.sandbox import Sandbox


def test_given_a_shop_when_reading_the_seller_then_snake_case_fields(api: httpx.Client) -> None:
    body = api.get("/sellers").json()

    assert body["seller_state"] == "Activated"
    assert body["seller_sub_state"] == "ActiveSeller"
    assert body["subscription_step"] == "Finished"
    assert body["links"]["delivery_modes"]["href"].endswith("/sellers/delivery-modes")
    assert isinstance(body["auto_accept_order"], bool)


@pytest.mark.parametrize("spelling", ["addresses", "adresses"])
def test_given_both_spellings_when_reading_addresses_then_each_answers(
    api: httpx.Client, spelling: str
) -> None:
    response = api.get(f"/sellers/{spelling}")

    assert response.status_code == 200
    assert {"type", "address", "country", "city", "zip-code"} <= set(response.json()["items"][0])


def test_given_one_spelling_configured_when_using_the_other_then_kong_404(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_variants(addresses_path="addresses")

    assert api.get("/sellers/addresses").status_code == 200
    response = api.get("/sellers/adresses", headers={"Authorization": ""})
    assert response.status_code == 404
    assert response.json() == {"message": "no Route matched with those values"}


def test_given_a_shop_when_reading_indicators_and_subscriptions_then_documented_keys(
    api: httpx.Client,
) -> None:
    indicators = api.get("/sellers/indicators").json()
    subscription = api.get("/sellers/subscriptions").json()["items"][0]

    assert set(indicators) == {
        "order_acceptation",
        "product_shipping",
        "deadline_compliance",
        "order_claims",
        "order_refunds",
    }
    assert subscription["sales-channel-id"] == "CDISFR"
    assert subscription["offer-submission-currency"] == "EUR"


def test_given_the_taxonomy_when_listed_without_fields_then_only_references(
    api: httpx.Client,
) -> None:
    body = api.get("/categories", params={"pageSize": 5}).json()

    assert body["itemsPerPage"] == 5
    assert all(set(item) == {"categoryReference"} for item in body["items"])


def test_given_the_taxonomy_when_paged_with_fields_then_short_last_page_and_count(
    api: httpx.Client,
) -> None:
    total = api.get("/categories/count").json()
    pages, index = [], 1
    while True:
        page = api.get(
            "/categories",
            params={"pageIndex": index, "pageSize": 100, "fields": "label,level,parentReferences"},
        ).json()
        pages.append(page)
        if page["itemsPerPage"] < 100:
            break
        index += 1

    items = [item for page in pages for item in page["items"]]
    assert isinstance(total, int)
    assert len(items) == total
    assert all(len(item["categoryReference"]) == item["level"] * 2 for item in items)
    assert all(item["label"] for item in items)


def test_given_a_level_three_category_when_read_then_properties_are_listed(
    api: httpx.Client,
) -> None:
    category = api.get("/categories/070201").json()
    properties = api.get("/categories/070201/properties").json()["items"]

    assert category["level"] == 3
    assert category["parentReference"] == "0702"
    assert {"Mandatory", "Recommended", "Optional"} >= {item["necessity"] for item in properties}
    assert all("propertyReference" in item for item in properties)


def test_given_unknown_or_upper_categories_when_read_then_404_and_400(api: httpx.Client) -> None:
    assert api.get("/categories/999999").status_code == 404
    assert api.get("/categories/07/properties").status_code == 400


def test_given_an_out_of_range_page_size_when_listing_then_400(api: httpx.Client) -> None:
    response = api.get("/categories", params={"pageSize": 101})

    assert response.status_code == 400
    assert "pageSize" in response.json()["errors"]


def test_given_an_unknown_path_when_called_then_kong_404(api: httpx.Client) -> None:
    response = api.get("/no-such-resource")

    assert response.status_code == 404
    assert response.json() == {"message": "no Route matched with those values"}


def test_given_a_known_path_when_the_method_is_wrong_then_405_problem(api: httpx.Client) -> None:
    response = api.delete("/sellers")

    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/offer-packages/00000000-0000-4000-a000-000000000000", {}, 404),
        ("/offer-packages/00000000-0000-4000-a000-000000000000/offer-requests-results", {}, 404),
        ("/orders/count", {"status": "Lost"}, 400),
        ("/order-cancellation-requests", {"pageSize": "500"}, 400),
        ("/products-integration-reports", {"pageSize": "0"}, 400),
        ("/offer-packages", {"limit": "0"}, 400),
    ],
)
def test_given_bad_reads_when_called_then_problem_answers(
    api: httpx.Client, path: str, params: dict[str, str], status: int
) -> None:
    response = api.get(path, params=params)

    assert response.status_code == status
    assert response.json()["traceId"].startswith("00-")


def test_given_refused_and_late_orders_when_reading_indicators_then_the_values_move(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    before = api.get("/sellers/indicators").json()
    sandbox.create_orders(3, status="Shipped")
    sandbox.create_orders(1, status="Refused")
    after = api.get("/sellers/indicators").json()

    assert after["order_acceptation"]["value_d30"] < before["order_acceptation"]["value_d30"]
    assert after["order_acceptation"]["value_d60"] < before["order_acceptation"]["value_d60"]
    assert after["order_acceptation"]["threshold"] == 97.5
    assert after["order_acceptation"]["threshold_type"] == "ThresholdMin"
    assert after["order_claims"]["threshold_type"] == "ThresholdMax"
    assert after["order_acceptation"]["computation_date"]
