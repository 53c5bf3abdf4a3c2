"""Retries inside one call: 429 with and without Retry-After, 5xx, dropped connections."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from cdlink.octopia import (
    MalformedResponse,
    OctopiaClient,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
)
from cdlink.octopia.models import Parcel
from tests.support.octopia_fakes import FakeOctopia, problem

SELLER = {"seller_id": 700085}
PARCEL = Parcel(parcel_number="TRK1", carrier_name="Colissimo")


def raise_(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


def test_given_429_without_retry_after_when_calling_then_backoff_and_success(
    fake: FakeOctopia, client: OctopiaClient, sleeps: list[float]
) -> None:
    fake.route(
        "GET", "/sellers", problem(429, "Too Many Requests"), httpx.Response(200, json=SELLER)
    )
    client.sellers.get()
    # uniform() is 0.5 in tests: half of the first ceiling (0.5 s).
    assert sleeps == [0.25]
    assert len(fake.api_requests()) == 2


def test_given_429_with_retry_after_when_calling_then_the_wait_honours_it(
    fake: FakeOctopia, client: OctopiaClient, sleeps: list[float]
) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "3"})
    fake.route("GET", "/sellers", busy, httpx.Response(200, json=SELLER))
    client.sellers.get()
    assert 3.0 in sleeps


def test_given_429_with_a_retry_after_beyond_the_cap_then_rate_limited_goes_up(
    fake: FakeOctopia, client: OctopiaClient, sleeps: list[float]
) -> None:
    fake.route("GET", "/sellers", httpx.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(RateLimited) as caught:
        client.sellers.get()
    assert caught.value.retry_after == 600.0
    assert len(fake.api_requests()) == 1
    assert all(wait <= client.retry.max_delay for wait in sleeps)


def test_given_429_forever_when_calling_then_three_retries_then_rate_limited(
    fake: FakeOctopia, client: OctopiaClient, sleeps: list[float]
) -> None:
    fake.route("GET", "/sellers", problem(429, "Too Many Requests"))
    with pytest.raises(RateLimited):
        client.sellers.get()
    assert len(fake.api_requests()) == 4
    assert [s for s in sleeps if s in (0.25, 0.5, 1.0)] == [0.25, 0.5, 1.0]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_given_a_transient_5xx_when_reading_then_it_is_retried(
    fake: FakeOctopia, client: OctopiaClient, status: int
) -> None:
    fake.route("GET", "/sellers", problem(status, "oops"), httpx.Response(200, json=SELLER))
    assert client.sellers.get().seller_id == 700085


def test_given_500_on_a_post_when_shipping_then_it_is_not_sent_twice(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/orders/A1/shipments", problem(500, "oops", trace_id="00-ship"))
    with pytest.raises(ServerError, match=r"^\[traceId 00-ship\]"):
        client.orders.ship("A1", [PARCEL])
    assert len(fake.api_requests()) == 1


def test_given_429_on_a_post_when_shipping_then_it_is_retried_because_it_was_refused_unprocessed(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/orders/A1/shipments", problem(429, "slow down"), httpx.Response(201))
    client.orders.ship("A1", [PARCEL])
    assert len(fake.api_requests()) == 2


def test_given_a_connection_refused_on_a_post_when_shipping_then_it_is_retried(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "POST", "/orders/A1/shipments", raise_(httpx.ConnectError("refused")), httpx.Response(201)
    )
    client.orders.ship("A1", [PARCEL])
    assert len(fake.api_requests()) == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadError("reset by peer"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_given_a_connection_dropped_after_a_post_was_sent_then_no_retry_and_request_sent(
    fake: FakeOctopia, client: OctopiaClient, error: Exception
) -> None:
    fake.route("POST", "/orders/A1/shipments", raise_(error), httpx.Response(201))
    with pytest.raises(TransportError) as caught:
        client.orders.ship("A1", [PARCEL])
    assert caught.value.request_sent is True
    assert "may have reached Cdiscount" in str(caught.value)
    assert len(fake.api_requests()) == 1


def test_given_a_connection_refused_forever_on_a_post_then_transport_error_never_sent(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("POST", "/orders/A1/shipments", raise_(httpx.ConnectTimeout("no route")))
    with pytest.raises(TransportError) as caught:
        client.orders.ship("A1", [PARCEL])
    assert caught.value.request_sent is False
    assert len(fake.api_requests()) == 4


def test_given_a_dropped_connection_on_a_read_when_calling_then_it_is_retried(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route(
        "GET", "/sellers", raise_(httpx.ReadError("reset")), httpx.Response(200, json=SELLER)
    )
    assert client.sellers.get().seller_id == 700085


def test_given_retries_switched_off_when_a_read_fails_then_one_attempt_only(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    client = make_client(retry=RetryPolicy().without_retries())
    fake.route("GET", "/sellers", problem(503, "down"), httpx.Response(200, json=SELLER))
    with pytest.raises(ServerError):
        client.sellers.get()
    assert len(fake.api_requests()) == 1


def test_given_a_token_endpoint_hiccup_when_asking_a_token_then_it_is_retried(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.token_answers.append(httpx.Response(503))
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client.sellers.get()
    assert fake.token_calls == 2


def test_given_a_negative_setting_when_building_a_policy_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(max_retries=-1)


def test_given_a_body_with_a_broken_encoding_when_reading_then_malformed_response(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    broken = httpx.Response(
        200, stream=httpx.ByteStream(b"not gzip at all"), headers={"Content-Encoding": "gzip"}
    )
    fake.route("GET", "/sellers", broken)
    with pytest.raises(MalformedResponse, match="cannot be decoded"):
        client.sellers.get()
