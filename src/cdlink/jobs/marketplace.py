"""Marketplace clients for streams: one ``OctopiaClient`` per connection and run, built with the
token and budget stores the runtime shares.

- Embedded runtime (and ``cdlink sync run``): in-memory stores shared by every thread of the
  process, so all runs of a seller in it use one token and one budget.
- Distributed runtime: Redis stores (``cdlink.jobs.redis_stores``) shared by every worker, so all
  workers together respect one seller's budget and reuse one token.

Given the runtime's ``stopping`` event, every wait of the clients (retry backoff, call budget)
ends at the shutdown (``StopAwareSleep``), so no run sleeps through it.

The connection's secret is decrypted here, just before the client is built, and lives only in
the client's credentials (which hide it and register it for redaction).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from redis import Redis

from cdlink.core.clock import Clock
from cdlink.core.secret_box import SecretBox
from cdlink.core.settings import Settings
from cdlink.jobs.redis_stores import RedisBudgetStore, RedisTokenStore
from cdlink.octopia import (
    BudgetPolicy,
    BudgetStore,
    ClientCredentials,
    Credentials,
    InMemoryBudgetStore,
    InMemoryTokenStore,
    OctopiaClient,
    PasswordCredentials,
    RetryPolicy,
    StopAwareSleep,
    TokenStore,
)
from cdlink.store.models import Connection

#: Makes the HTTP transport of each new client (the sandbox in-process, a mock in tests); a
#: factory because a client closes its transport with itself. None: the network.
Transports = Callable[[], httpx.BaseTransport]


#: The share of the maximum rate each answer that is not a 429 gives back (0.1 call/s at 10).
RECOVERY_SHARE = 0.01
#: Seconds without a 429 in which a budget at its floor is back at its maximum, calls or not.
QUIET_RECOVERY_SECONDS = 30.0
#: 429s within this many seconds of a decrease are the same signal: the rate is halved once.
DECREASE_INTERVAL_SECONDS = 1.0


def budget_policy(max_calls_per_second: float) -> BudgetPolicy:
    """The call budget of ``CDLINK_OCTOPIA_MAX_CALLS_PER_SECOND``: its rate, its burst, and a
    recovery after 429s in proportion to it, so that a higher budget climbs back from its floor
    in as many answers as the default one (the default 10 gives back 0.1 call/s an answer), and
    within ``QUIET_RECOVERY_SECONDS`` of time without a 429 whatever the answers (a stream that
    waited out the 429s does not then start at the floor); a burst of 429s (the answers to the
    calls in flight, and their retries) halves it once a second, not once per 429."""
    rate = max_calls_per_second
    return BudgetPolicy(
        max_rate=rate,
        capacity=max(rate, 1.0),
        recovery=rate * RECOVERY_SHARE,
        quiet_recovery=rate / QUIET_RECOVERY_SECONDS,
        decrease_interval=DECREASE_INTERVAL_SECONDS,
    )


class MarketplaceClients:
    """Call it with a connection to get that seller's client (the caller closes it)."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        box: SecretBox,
        token_store: TokenStore,
        budget_store: BudgetStore,
        transports: Transports | None = None,
        retry: RetryPolicy | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.box = box
        self.token_store = token_store
        self.budget_store = budget_store
        self.transports = transports
        if retry is None and stopping is not None:
            retry = RetryPolicy(sleep=StopAwareSleep(stopping))
        self.retry = retry
        self.budget_policy = budget_policy(settings.octopia_max_calls_per_second)

    def __call__(self, connection: Connection) -> OctopiaClient:
        return OctopiaClient(
            self.credentials(connection),
            api_url=connection.api_url or self.settings.octopia_api_url,
            token_url=connection.token_url or self.settings.octopia_token_url,
            transport=self.transports() if self.transports else None,
            token_store=self.token_store,
            budget_store=self.budget_store,
            clock=self.clock,
            retry=self.retry,
            budget_policy=self.budget_policy,
        )

    def credentials(self, connection: Connection) -> Credentials:
        secret = self.box.decrypt(connection.secret_ciphertext)
        seller_id = str(connection.seller_id)
        if connection.auth_mode == "password":
            return PasswordCredentials(
                seller_id=seller_id, login=connection.client_id, password=secret
            )
        return ClientCredentials(
            seller_id=seller_id, client_id=connection.client_id, client_secret=secret
        )


def in_process_clients(
    settings: Settings,
    clock: Clock,
    *,
    transports: Transports | None = None,
    retry: RetryPolicy | None = None,
    stopping: threading.Event | None = None,
) -> MarketplaceClients:
    """Clients sharing in-memory stores: for the embedded runtime and one-off runs.

    ``retry`` replaces the client's retry policy (tests pass one that waits on a manual clock);
    ``stopping`` ends the clients' waits at the shutdown.
    """
    return MarketplaceClients(
        settings,
        clock,
        box=SecretBox.from_settings(settings),
        token_store=InMemoryTokenStore(),
        budget_store=InMemoryBudgetStore(),
        transports=transports,
        retry=retry,
        stopping=stopping,
    )


def shared_clients(
    settings: Settings,
    clock: Clock,
    redis_client: Redis,
    *,
    transports: Transports | None = None,
    stopping: threading.Event | None = None,
) -> MarketplaceClients:
    """Clients sharing Redis stores: for ``cdlink worker`` on several machines."""
    box = SecretBox.from_settings(settings)
    namespace = f"{settings.sync_redis_namespace}:octopia"
    return MarketplaceClients(
        settings,
        clock,
        box=box,
        token_store=RedisTokenStore(redis_client, namespace=namespace, clock=clock, box=box),
        budget_store=RedisBudgetStore(redis_client, namespace=namespace),
        transports=transports,
        stopping=stopping,
    )
