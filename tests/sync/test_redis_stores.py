"""The Redis token and budget stores, against the real local Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from redis import Redis

from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox
from cdlink.jobs.redis_stores import RedisBudgetStore, RedisTokenStore
from cdlink.octopia.budget import BucketState, Budget, BudgetPolicy
from cdlink.octopia.tokens import CachedToken
from tests.support.databases import REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([Fernet.generate_key().decode()])


@pytest.fixture
def workers() -> Iterator[list[Redis]]:
    """Two Redis connections, standing for two worker processes."""
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    yield clients
    for client in clients:
        client.close()


def a_token(clock: ManualClock, minutes: float = 5) -> CachedToken:
    return CachedToken("the-access-token", clock.now() + timedelta(minutes=minutes))


def test_given_a_token_put_by_one_worker_when_another_reads_then_it_gets_the_same_token(
    workers: list[Redis], redis_namespace: str, clock: ManualClock, box: SecretBox
) -> None:
    first, second = (
        RedisTokenStore(client, namespace=redis_namespace, clock=clock, box=box)
        for client in workers
    )

    first.put("seller-1", a_token(clock))

    assert second.get("seller-1") == a_token(clock)
    assert second.get("seller-2") is None
    second.delete("seller-1")
    assert first.get("seller-1") is None


def test_given_a_stored_token_when_read_raw_from_redis_then_it_is_encrypted_and_expires_with_it(
    workers: list[Redis], redis_namespace: str, clock: ManualClock, box: SecretBox
) -> None:
    RedisTokenStore(workers[0], namespace=redis_namespace, clock=clock, box=box).put(
        "seller-1", a_token(clock, minutes=5)
    )

    raw = workers[0].get(f"{redis_namespace}:seller-1")
    ttl = workers[0].pttl(f"{redis_namespace}:seller-1")

    assert raw is not None
    assert b"the-access-token" not in raw
    assert 0 < ttl <= 5 * 60 * 1000


def test_given_a_stale_token_when_put_then_nothing_is_kept(
    workers: list[Redis], redis_namespace: str, clock: ManualClock, box: SecretBox
) -> None:
    store = RedisTokenStore(workers[0], namespace=redis_namespace, clock=clock, box=box)
    store.put("seller-1", a_token(clock))

    store.put("seller-1", a_token(clock, minutes=-1))

    assert store.get("seller-1") is None


def test_given_a_token_written_under_a_lost_key_when_read_then_it_is_dropped_not_an_error(
    workers: list[Redis], redis_namespace: str, clock: ManualClock, box: SecretBox
) -> None:
    RedisTokenStore(workers[0], namespace=redis_namespace, clock=clock, box=box).put(
        "seller-1", a_token(clock)
    )
    other_keys = SecretBox([Fernet.generate_key().decode()])
    reader = RedisTokenStore(workers[1], namespace=redis_namespace, clock=clock, box=other_keys)

    assert reader.get("seller-1") is None
    assert workers[1].get(f"{redis_namespace}:seller-1") is None


def test_given_a_bucket_when_saved_with_its_version_then_it_reads_back_exactly(
    workers: list[Redis], redis_namespace: str
) -> None:
    store = RedisBudgetStore(workers[0], namespace=redis_namespace)
    state = BucketState(
        tokens=0.1 + 0.2, rate=1 / 3, updated_at=1_790_000_000.123456, decreased_at=1_789.5
    )

    assert store.load("b") == (None, 0)
    assert store.save("b", state, 0)
    assert store.load("b") == (state, 1)
    assert 0 < workers[0].pttl(f"{redis_namespace}:b") <= 3_600_000


def test_given_a_bucket_saved_before_decreases_were_dated_when_read_then_it_was_never_halved(
    workers: list[Redis], redis_namespace: str
) -> None:
    store = RedisBudgetStore(workers[0], namespace=redis_namespace)
    fields = {"tokens": "2.0", "rate": "5.0", "updated_at": "100.0", "version": "3"}
    workers[0].hset(f"{redis_namespace}:old", mapping=fields)

    assert store.load("old") == (BucketState(2.0, 5.0, 100.0), 3)
    assert store.load("old")[0].decreased_at == float("-inf")  # type: ignore[union-attr]


def test_given_two_workers_saving_one_version_when_both_try_then_only_one_wins(
    workers: list[Redis], redis_namespace: str
) -> None:
    first, second = (RedisBudgetStore(client, namespace=redis_namespace) for client in workers)
    first.save("b", BucketState(5, 1, 0), 0)

    won = first.save("b", BucketState(4, 1, 1), 1)
    lost = second.save("b", BucketState(3, 1, 1), 1)

    assert (won, lost) == (True, False)
    assert second.load("b") == (BucketState(4, 1, 1), 2)


def test_given_workers_sharing_a_seller_budget_when_they_all_call_then_no_call_slot_is_shared(
    workers: list[Redis], redis_namespace: str, clock: ManualClock
) -> None:
    # Two worker processes (two connections to Redis), four threads each, 24 calls in all, at
    # one frozen instant: a shared budget hands out the burst, then one slot per 1/rate seconds.
    policy = BudgetPolicy(max_rate=2.0, capacity=4.0, max_wait=1_000.0)
    budgets = [
        Budget(
            RedisBudgetStore(client, namespace=redis_namespace),
            default=policy,
            clock=clock,
            sleep=lambda _seconds: None,
        )
        for client in workers
    ]
    waits: list[float] = []
    lock = threading.Lock()

    def calls(budget: Budget) -> None:
        for _ in range(3):
            wait = budget.acquire("98979", "orders")
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=calls, args=(budgets[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = [0.0] * 4 + [step / policy.max_rate for step in range(1, 21)]
    assert sorted(waits) == pytest.approx(expected)
