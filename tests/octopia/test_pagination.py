"""Both pagination styles, and what happens between pages (401, bad items, bad links)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from cdlink.octopia import MalformedResponse, OctopiaClient, OrderQuery
from cdlink.octopia.models import Order, OrderStatus
from cdlink.octopia.pagination import read_items, read_items_json
from tests.support.octopia_fakes import API_URL, FakeOctopia, order_payload, page

SINCE = datetime(2026, 3, 1, tzinfo=UTC)


def orders(first: int, count: int) -> list[dict[str, object]]:
    return [order_payload(f"ORDER{number:05d}") for number in range(first, first + count)]


def test_given_three_pages_when_listing_changed_orders_then_it_stops_at_the_short_page(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders", page(orders(0, 2)), page(orders(2, 2)), page(orders(4, 1)))
    found = list(
        client.orders.list_changed(
            SINCE, statuses=[OrderStatus.WAITING_ACCEPTANCE, "Shipped"], page_size=2
        )
    )
    assert [order.order_id for order in found] == [f"ORDER{n:05d}" for n in range(5)]
    requests = fake.api_requests()
    assert [r.url.params["pageIndex"] for r in requests] == ["1", "2", "3"]
    assert requests[0].url.params["updatedAtMin"] == "2026-03-01T00:00:00Z"
    assert requests[0].url.params.get_list("status") == ["WaitingAcceptance", "Shipped"]
    assert requests[0].url.params["pageSize"] == "2"


def test_given_an_exactly_full_last_page_when_listing_then_one_empty_page_ends_it(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders", page(orders(0, 2)), page([]))
    assert len(list(client.orders.list_changed(SINCE, page_size=2))) == 2
    assert len(fake.api_requests()) == 2


def test_given_a_401_in_the_middle_of_pagination_when_listing_then_the_walk_goes_on(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    def second_page(request: httpx.Request) -> httpx.Response:
        fake.revoke_all()  # the token dies between page 1 and page 2
        return httpx.Response(401)

    fake.route("GET", "/orders", page(orders(0, 2)), second_page, page(orders(2, 1)))
    found = list(client.orders.list_changed(SINCE, page_size=2))
    assert len(found) == 3
    assert fake.token_calls == 2
    assert [r.url.params["pageIndex"] for r in fake.api_requests()] == ["1", "2", "2"]


def test_given_an_unreadable_order_when_reading_pages_then_it_is_set_aside_with_its_reason(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    broken = order_payload("BROKEN")
    del broken["updatedAt"]
    fake.route("GET", "/orders", page([order_payload("GOOD"), broken]))
    pages = list(client.orders.list_pages(OrderQuery(updated_at_min=SINCE), page_size=100))
    assert [o.order_id for o in pages[0].items] == ["GOOD"]
    assert pages[0].rejected[0].raw["orderId"] == "BROKEN"
    assert "updatedAt" in pages[0].rejected[0].reason
    assert pages[0].received == 2


def test_given_an_unreadable_order_when_listing_strictly_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    broken = order_payload("BROKEN", status=None)
    fake.route("GET", "/orders", page([broken]))
    with pytest.raises(MalformedResponse, match="status"):
        list(client.orders.list_changed(SINCE))


def link(url: str) -> dict[str, str]:
    return {"Link": f'<{url}>; rel="next"'}


def offer(number: int) -> dict[str, object]:
    return {
        "offerId": f"700085_P{number}_New_CDISFR",
        "sellerExternalReference": f"SKU{number}",
        "quantity": 3,
    }


def test_given_link_headers_when_listing_offers_then_the_cursor_is_followed_to_the_end(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET",
        "/offers",
        page(
            [offer(1), offer(2)],
            **link(f"{API_URL}/offers?cursor=c2&limit=2&salesChannelId=CDISFR"),
        ),
        page([offer(3)], **link("/seller/v2/offers?cursor=c3&limit=2&salesChannelId=CDISFR")),
        page([]),
    )
    found = list(client.offers.list(limit=2))
    assert [o.seller_external_reference for o in found] == ["SKU1", "SKU2", "SKU3"]
    params = [r.url.params for r in fake.api_requests()]
    assert params[0]["salesChannelId"] == "CDISFR"
    assert "cursor" not in params[0]
    assert [p.get("cursor") for p in params[1:]] == ["c2", "c3"]


def test_given_a_next_link_to_another_host_when_listing_then_it_is_not_followed(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET", "/offers", page([offer(1)], **link("https://evil.test/seller/v2/offers?cursor=x"))
    )
    with pytest.raises(MalformedResponse, match="leaves the API"):
        list(client.offers.list())
    assert len(fake.requests) == 2  # the token and the first page; nothing to evil.test


def test_given_a_next_link_that_loops_when_listing_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    same = link(f"{API_URL}/offers?cursor=again")
    fake.route("GET", "/offers", page([offer(1)], **same))
    with pytest.raises(MalformedResponse, match="repeats"):
        list(client.offers.list())


def test_given_an_answer_that_is_not_a_list_when_paging_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/orders", httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(MalformedResponse, match="items"):
        list(client.orders.list_changed(SINCE))


def test_given_malformed_json_mid_pagination_when_listing_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET", "/orders", page(orders(0, 2)), httpx.Response(200, content=b'{"items": [{"orderId"')
    )
    iterator = client.orders.list_changed(SINCE, page_size=2)
    assert len([next(iterator), next(iterator)]) == 2
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        next(iterator)


@pytest.mark.parametrize("size", [0, 101])
def test_given_an_impossible_page_size_when_listing_then_refused_before_any_call(
    fake: FakeOctopia, client: OctopiaClient, size: int
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.orders.list_page(OrderQuery(), page_size=size)
    assert fake.requests == []


def test_given_an_amount_of_more_digits_than_a_double_holds_when_a_page_is_read_then_it_is_exact(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    # A page is validated from its bytes at once, where numbers pass through a double; one
    # holding a longer number is decoded with Decimal money instead.
    plain = order_payload("ORDER00001")
    long = order_payload("ORDER00002", totalPrice={"offerPrice": 777.5, "sellingPrice": 49.97})
    content = json.dumps({"itemsPerPage": 2, "items": [plain, long]})
    content = content.replace("777.5", "12345678.123456789")
    fake.route("GET", "/orders", httpx.Response(200, content=content.encode()))

    read = client.orders.list_page(OrderQuery(updated_at_min=SINCE), page_size=2)

    assert [order.order_id for order in read.items] == ["ORDER00001", "ORDER00002"]
    total = read.items[1].total_price
    assert total is not None
    assert total.offer_price == Decimal("12345678.123456789")


def test_given_a_page_of_plain_amounts_when_read_from_its_bytes_then_it_equals_the_decoded_read(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    items = [order_payload(f"ORDER{n:05d}") for n in range(3)]
    content = json.dumps({"itemsPerPage": 3, "items": items}).encode()

    fast = read_items_json(content, Order)
    decoded, rejected = read_items(json.loads(content, parse_float=Decimal)["items"], Order)

    assert fast is not None
    assert not rejected
    assert [order.model_dump() for order in fast] == [order.model_dump() for order in decoded]
