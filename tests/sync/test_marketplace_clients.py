"""Streams get their connection's marketplace client; workers share its token and budget."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import ClassVar

import httpx
import pytest
from redis import Redis

from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.jobs.environment import JobEnvironment
from cdlink.jobs.marketplace import in_process_clients, shared_clients
from cdlink.octopia import ClientCredentials, OctopiaClient, PasswordCredentials
from cdlink.store.models import Connection, SyncRun
from cdlink.sync.engine.streams import Stream, StreamContext, StreamRegistry
from tests.support.databases import REDIS_URL

SECRET = "the-client-secret-value"


class FakeMarketplace:
    """Answers the token endpoint and ``GET /carriers``; counts token requests."""

    def __init__(self) -> None:
        self.token_requests = 0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            with self.lock:
                self.token_requests += 1
            return httpx.Response(
                200, json={"access_token": "token-1", "expires_in": 3600, "token_type": "Bearer"}
            )
        assert request.headers["authorization"] == "Bearer token-1"
        return httpx.Response(200, json=[{"code": "COL", "label": "Colissimo"}])


class CarrierCounter(Stream):
    name = "carriers"
    seen: ClassVar[list[OctopiaClient]] = []

    def run(self, context: StreamContext) -> None:
        client = context.client()
        self.seen.append(client)
        context.count(carriers=len(client.carriers.list()))


@pytest.fixture
def stream(registry: StreamRegistry) -> Iterator[type[CarrierCounter]]:
    registry.register(CarrierCounter)
    yield CarrierCounter
    CarrierCounter.seen = []


def store_secret(environment: JobEnvironment, settings: Settings, connection_id: int) -> None:
    """Give the connection the test's secret, encrypted as the Apps page stores it."""
    with environment.database.session() as session:
        connection = session.get_one(Connection, connection_id)
        connection.secret_ciphertext = SecretBox.from_settings(settings).encrypt(SECRET)


def a_connection(settings: Settings, **changes: object) -> Connection:
    values: dict[str, object] = {
        "id": 1,
        "name": "Shop",
        "seller_id": 98979,
        "client_id": "shop-client",
        "auth_mode": "client_credentials",
        "secret_ciphertext": SecretBox.from_settings(settings).encrypt(SECRET),
    }
    values.update(changes)
    return Connection(**values)


def test_given_a_stream_that_calls_the_marketplace_when_run_then_it_gets_its_connection_client(
    environment: JobEnvironment,
    settings: Settings,
    clock: ManualClock,
    connection_id: int,
    stream: type[CarrierCounter],
) -> None:
    store_secret(environment, settings, connection_id)
    marketplace = FakeMarketplace()
    environment.clients = in_process_clients(
        settings, clock, transports=lambda: httpx.MockTransport(marketplace)
    )

    report = environment.runner().run(connection_id, "carriers")

    assert report.outcome == "succeeded"
    assert report.counts["carriers"] == 1
    (client,) = stream.seen
    assert isinstance(client.credentials, ClientCredentials)
    assert client.credentials.client_secret.get_secret_value() == SECRET
    assert client.api_url == settings.octopia_api_url
    with pytest.raises(RuntimeError, match="closed"):
        client.carriers.list()  # the client was closed with the run


def test_given_a_higher_call_rate_in_settings_when_a_client_is_made_then_its_budget_allows_it(
    environment: JobEnvironment,
    settings: Settings,
    clock: ManualClock,
    connection_id: int,
    stream: type[CarrierCounter],
) -> None:
    store_secret(environment, settings, connection_id)
    faster = settings.model_copy(update={"octopia_max_calls_per_second": 40.0})
    environment.clients = in_process_clients(
        faster, clock, transports=lambda: httpx.MockTransport(FakeMarketplace())
    )

    report = environment.runner().run(connection_id, "carriers")

    assert report.outcome == "succeeded"
    (client,) = stream.seen
    policy = client.budget.policy("orders")
    assert (policy.max_rate, policy.capacity) == (40.0, 40.0)
    assert Settings().octopia_max_calls_per_second == 10.0


def test_given_a_runtime_without_clients_when_a_stream_asks_for_one_then_the_run_says_why(
    environment: JobEnvironment, connection_id: int, stream: type[CarrierCounter]
) -> None:
    report = environment.runner().run(connection_id, "carriers")

    assert report.outcome == "dead"
    with environment.database.reading() as session:
        run = session.get_one(SyncRun, report.run_id)
    assert run.failure_type == "configuration"
    assert run.message is not None
    assert "without marketplace clients" in run.message


def test_given_a_legacy_login_connection_when_its_client_is_built_then_it_uses_the_password_grant(
    settings: Settings, clock: ManualClock
) -> None:
    clients = in_process_clients(settings, clock)

    credentials = clients.credentials(a_connection(settings, auth_mode="password"))

    assert isinstance(credentials, PasswordCredentials)
    assert credentials.login == "shop-client"
    assert credentials.password.get_secret_value() == SECRET


@pytest.mark.redis
def test_given_two_workers_with_shared_stores_when_both_call_then_one_token_and_one_budget(
    settings: Settings, clock: ManualClock, redis_namespace: str
) -> None:
    settings = settings.model_copy(update={"sync_redis_namespace": redis_namespace})
    marketplace = FakeMarketplace()
    connections = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    workers = [
        shared_clients(settings, clock, redis, transports=lambda: httpx.MockTransport(marketplace))
        for redis in connections
    ]

    try:
        for clients in workers:
            with clients(a_connection(settings)) as client:
                client.carriers.list()
        budget_keys = list(
            connections[0].scan_iter(match=f"{redis_namespace}:octopia:octopia-budget:*")
        )
    finally:
        for redis in connections:
            redis.close()

    assert marketplace.token_requests == 1  # the second worker reused the first one's token
    assert len(budget_keys) == 1  # one bucket for the seller, whichever worker called
