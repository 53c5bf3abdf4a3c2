"""A shutdown cuts the client's waits short: no retry backoff nor budget wait outlives it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from cdlink.octopia import (
    BudgetPolicy,
    CallInterrupted,
    OctopiaClient,
    RetryPolicy,
    StopAwareSleep,
    TransportError,
)
from tests.support.octopia_fakes import FakeOctopia, problem

SELLER = {"seller_id": 700085}


def test_given_a_failing_marketplace_when_the_shutdown_comes_then_the_retry_ends_without_sending_again(  # noqa: E501
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    stopping = threading.Event()
    stopping.set()
    fake.route("GET", "/sellers", problem(503, "Service Unavailable"))
    client = make_client(retry=RetryPolicy(sleep=StopAwareSleep(stopping), max_delay=60))

    with pytest.raises(CallInterrupted) as caught:
        client.sellers.get()

    assert isinstance(caught.value, TransportError)
    assert caught.value.request_sent  # the outcome of what was sent is unknown
    assert len(fake.api_requests()) == 1


def test_given_no_shutdown_when_a_call_fails_once_then_the_stop_aware_sleep_retries_as_usual(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    fake.route(
        "GET", "/sellers", problem(503, "Service Unavailable"), httpx.Response(200, json=SELLER)
    )
    client = make_client(
        retry=RetryPolicy(sleep=StopAwareSleep(threading.Event()), initial_delay=0.01)
    )

    assert client.sellers.get().seller_id == 700085
    assert len(fake.api_requests()) == 2


def test_given_a_spent_budget_when_the_shutdown_comes_then_the_budget_wait_ends(
    fake: FakeOctopia, make_client: Callable[..., OctopiaClient]
) -> None:
    stopping = threading.Event()
    stopping.set()
    fake.route("GET", "/sellers", httpx.Response(200, json=SELLER))
    client = make_client(
        retry=RetryPolicy(sleep=StopAwareSleep(stopping)),
        # One call of burst, then one every 20 s: the second call would wait.
        budget_policy=BudgetPolicy(max_rate=0.05, min_rate=0.05, capacity=1, max_wait=60),
    )
    client.sellers.get()

    with pytest.raises(CallInterrupted):
        client.sellers.get()

    assert len(fake.api_requests()) == 1
