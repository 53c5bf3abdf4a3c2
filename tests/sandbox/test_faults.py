"""Fault injection: statuses, slow replies, both kinds of dropped connection, malformed bodies,
and the per-seller rate limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from cdlink.core.clock import ManualClock
from cdlink.sandbox import FaultRule, Sandbox, SandboxConfig
from tests.support.sandbox_api import START, TOKEN_PATH, fetch_token


@pytest.fixture
def stocked(sandbox: Sandbox) -> Sandbox:
    sandbox.seed(orders=5, quantity=1000)
    return sandbox


def test_given_a_429_burst_with_retry_after_when_calling_then_two_429s_then_success(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.add_fault(
        FaultRule(kind="status", endpoint="orders.list", status=429, count=2, retry_after=7)
    )

    responses = [api.get("/orders") for _ in range(3)]

    assert [response.status_code for response in responses] == [429, 429, 200]
    assert responses[0].headers["retry-after"] == "7"
    assert responses[0].json()["status"] == 429
    assert api.get("/sellers").status_code == 200


def test_given_a_429_without_retry_after_when_calling_then_no_header(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.add_fault({"kind": "status", "status": 429, "count": 1})

    response = api.get("/sellers")

    assert response.status_code == 429
    assert "retry-after" not in response.headers


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_given_a_server_error_fault_when_calling_then_that_status_as_problem(
    sandbox: Sandbox, api: httpx.Client, status: int
) -> None:
    sandbox.add_fault(FaultRule(kind="status", status=status, count=1, method="GET"))

    response = api.get("/carriers")

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get("/carriers").status_code == 200


def test_given_an_invalid_fault_status_when_added_then_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="429, 500"):
        FaultRule(kind="status", status=418)


def test_given_skip_and_probability_when_firing_then_the_schedule_is_followed(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.add_fault(FaultRule(kind="status", endpoint="sellers.get", after=2, count=1))

    statuses = [api.get("/sellers").status_code for _ in range(4)]

    assert statuses == [200, 200, 503, 200]
    assert sandbox.faults()[0]["fired"] == 1


def test_given_a_slow_fault_when_calling_then_the_answer_still_comes(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.add_fault(FaultRule(kind="slow", delay_seconds=0.05, count=1))

    response = api.get("/sellers")

    assert response.status_code == 200
    assert sandbox.faults()[0]["fired"] == 1


def test_given_a_slow_fault_when_the_client_times_out_then_read_timeout(
    sandbox: Sandbox,
) -> None:
    sandbox.add_fault(FaultRule(kind="slow", endpoint="carriers.list", delay_seconds=2, count=1))
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url()) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.get("/carriers", timeout=0.05)
        after = http.get("/carriers")

    assert after.status_code == 401
    assert sandbox.requests()[-1]["endpoint"] == "carriers.list"


def test_given_a_drop_before_processing_when_accepting_then_connect_error_and_no_change(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    stocked.add_fault(FaultRule(kind="drop_before", endpoint="orders.approval", count=1))

    with pytest.raises(httpx.ConnectError):
        api.post(f"/orders/{order_id}/approval-status", json={"approval_status": "Accepted"})

    assert api.get(f"/orders/{order_id}").json()["status"] == "WaitingAcceptance"
    assert stocked.requests()[-2]["processed"] is False


def test_given_a_drop_after_processing_when_accepting_then_read_error_but_accepted(
    stocked: Sandbox, api: httpx.Client
) -> None:
    order_id = stocked.create_orders(1)[0]
    stocked.add_fault(FaultRule(kind="drop_after", endpoint="orders.approval", count=1))

    with pytest.raises(httpx.ReadError) as caught:
        api.post(f"/orders/{order_id}/approval-status", json={"approval_status": "Accepted"})

    assert isinstance(caught.value, httpx.TransportError)
    assert not isinstance(caught.value, httpx.ConnectError)
    assert api.get(f"/orders/{order_id}").json()["status"] == "Accepted"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_given_the_async_transport_when_connections_drop_then_httpx_errors(
    stocked: Sandbox,
) -> None:
    stocked.add_fault(FaultRule(kind="drop_before", endpoint="token", count=1))
    stocked.add_fault(FaultRule(kind="drop_after", endpoint="token", count=1))
    async with httpx.AsyncClient(
        transport=stocked.async_transport(), base_url="http://sandbox"
    ) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
        with pytest.raises(httpx.ReadError):
            await client.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
        final = await client.post(TOKEN_PATH, data={"grant_type": "client_credentials"})
        stocked.add_fault(FaultRule(kind="slow", endpoint="token", delay_seconds=2, count=1))
        with pytest.raises(httpx.ReadTimeout):
            await client.post(TOKEN_PATH, data={"grant_type": "client_credentials"}, timeout=0.05)
    assert final.status_code == 401


def test_given_missing_field_malformation_when_listing_then_first_item_lacks_its_id(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.add_fault(FaultRule(kind="malformed", endpoint="orders.list", count=1))

    broken = api.get("/orders").json()["items"]
    intact = api.get("/orders").json()["items"]

    assert "orderId" not in broken[0]
    assert all("orderId" in order for order in broken[1:] + intact)


def test_given_wrong_type_malformation_when_reading_then_a_number_became_text(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.add_fault(FaultRule(kind="malformed", malformation="wrong_type", count=1))

    body = api.get("/sellers").json()

    assert isinstance(body["seller_id"], str)


def test_given_unknown_enum_malformation_when_reading_then_an_unknown_status(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.add_fault(FaultRule(kind="malformed", malformation="unknown_enum", count=1))

    body = api.get("/orders").json()

    assert body["items"][0]["status"] == "SandboxUnknownValue"


def test_given_invalid_json_malformation_when_reading_then_the_body_does_not_parse(
    stocked: Sandbox, api: httpx.Client
) -> None:
    stocked.add_fault(FaultRule(kind="malformed", malformation="invalid_json", count=1))

    response = api.get("/carriers")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.fixture
def limited(manual_clock: ManualClock) -> Iterator[tuple[Sandbox, httpx.Client, str]]:
    sandbox = Sandbox(
        SandboxConfig(rate_limit={"requests": 3, "per_seconds": 10}), clock=manual_clock
    )
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox") as http:
        credentials = sandbox.credentials
        yield sandbox, http, fetch_token(http, credentials.client_id, credentials.client_secret)


def test_given_a_rate_limit_when_exceeded_then_429_with_retry_after_until_the_window_passes(
    limited: tuple[Sandbox, httpx.Client, str],
) -> None:
    sandbox, http, token = limited
    headers = {"Authorization": f"Bearer {token}", "SellerId": str(sandbox.credentials.seller_id)}

    statuses = [http.get("/seller/v2/carriers", headers=headers) for _ in range(4)]
    sandbox.advance(10)
    after = http.get("/seller/v2/carriers", headers=headers)

    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert int(statuses[3].headers["retry-after"]) >= 1
    assert after.status_code == 200


def test_given_a_rate_limit_when_one_seller_is_throttled_then_another_is_not(
    limited: tuple[Sandbox, httpx.Client, str],
) -> None:
    sandbox, http, _ = limited
    sandbox.add_client("agency", "secret", [sandbox.credentials.seller_id, 900003])
    token = fetch_token(http, "agency", "secret")

    def call(seller_id: int) -> int:
        headers = {"Authorization": f"Bearer {token}", "SellerId": str(seller_id)}
        return http.get("/seller/v2/carriers", headers=headers).status_code

    first = [call(sandbox.credentials.seller_id) for _ in range(4)]
    other = call(900003)

    assert first[-1] == 429
    assert other == 200


def test_given_a_rate_limit_without_retry_after_when_exceeded_then_no_header(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_rate_limit({"requests": 1, "per_seconds": 60, "retry_after": False})

    statuses = [api.get("/carriers") for _ in range(2)]

    assert statuses[1].status_code == 429
    assert "retry-after" not in statuses[1].headers


@pytest.mark.parametrize(
    ("endpoint", "path", "malformation"),
    [
        ("carriers.list", "/carriers", "missing_field"),
        ("orders.count", "/orders/count", "missing_field"),
        ("orders.count", "/orders/count", "wrong_type"),
        ("sellers.delivery_modes", "/sellers/delivery-modes", "unknown_enum"),
        ("sellers.subscriptions", "/sellers/subscriptions", "wrong_type"),
    ],
)
def test_given_malformations_of_other_shapes_when_reading_then_the_shape_breaks(
    stocked: Sandbox, api: httpx.Client, endpoint: str, path: str, malformation: str
) -> None:
    intact = api.get(path).json()
    stocked.add_fault({"kind": "malformed", "endpoint": endpoint, "malformation": malformation})

    broken = api.get(path).json()

    assert broken != intact


def test_given_an_outage_window_when_time_passes_then_only_requests_inside_it_fail(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    start = START + timedelta(minutes=10)
    sandbox.add_fault(
        FaultRule(kind="status", status=503, start_at=start, end_at=start + timedelta(minutes=5))
    )

    before = api.get("/sellers").status_code
    sandbox.advance(600)
    during = api.get("/sellers").status_code
    sandbox.advance(300)
    after = api.get("/sellers").status_code

    assert (before, during, after) == (200, 503, 200)
