"""The rate budget: how fast cdlink may call the marketplace, per (seller, endpoint group).

Octopia publishes no rate limits; 429 is its only signal. So each (seller, group) has a token
bucket that learns: ``acquire()`` takes one token before a request is sent (waiting if the bucket
is empty), ``observe(response)`` after the answer halves the bucket's rate on a 429
(multiplicative decrease; a ``Retry-After`` also empties the bucket for that long, for every
worker) and adds ``recovery`` calls per second back after each other answer (additive increase),
and ``quiet_recovery`` for each second that passes, up to ``max_rate``. The client never waits
more than ``max_wait`` seconds here: beyond that, ``acquire`` raises ``RateLimited`` with
``retry_after`` and the job layer waits instead.

Sharing across processes: the bucket lives in a ``BudgetStore``. The arithmetic is pure (see
``reserve``, ``slow_down``, ``speed_up``) and runs in the caller; the store only has to offer an
atomic compare-and-set, which Redis (WATCH/MULTI or a short Lua script) and SQL
(``UPDATE … WHERE version = :expected``) both provide:

``load(key) -> (state | None, version)``
    The bucket stored under ``key`` and its version; ``(None, 0)`` when there is none.
``save(key, state, expected_version) -> bool``
    Store ``state`` with version ``expected_version + 1`` if and only if the stored version is
    still ``expected_version`` (0 meaning "absent"); return whether it was stored. It must be
    atomic against concurrent ``save`` calls from any process. A store may expire a key that
    was not saved for a while (an absent bucket starts full at ``max_rate``).

``BucketState.updated_at`` is wall-clock seconds since the epoch (``Clock.now()``), because a
monotonic clock is not comparable between processes.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import httpx

from cdlink.core.clock import Clock, SystemClock
from cdlink.octopia.errors import RateLimited
from cdlink.octopia.retry import retry_after_seconds

# Optimistic updates that lose this many races in a row mean the store is broken, not busy.
MAXIMUM_CONFLICTS = 100


@dataclasses.dataclass(frozen=True)
class BudgetPolicy:
    """The shape of one bucket: its burst, its rate bounds and how it learns."""

    max_rate: float = 10.0
    """Calls per second when no 429 has been seen lately."""
    capacity: float = 10.0
    """Calls that may go out at once after a quiet period (the burst)."""
    min_rate: float = 0.1
    """The rate never drops below this, however many 429s come."""
    recovery: float = 0.1
    """Calls per second added back after each answer that is not a 429."""
    decrease: float = 0.5
    """Factor applied to the rate on a 429."""
    quiet_recovery: float = 0.0
    """Calls per second added back for each second that passes, with or without calls: a
    bucket slowed by 429s climbs back with time too, not only with answers (0: only answers)."""
    decrease_interval: float = 0.0
    """Seconds after a decrease in which further 429s do not halve the rate again: a burst of
    429s answering the calls already in flight is one signal, not one per call (0: each 429)."""
    max_wait: float = 30.0
    """Longest wait inside ``acquire``; beyond it, ``RateLimited`` goes to the job layer."""

    def __post_init__(self) -> None:
        if not 0 < self.min_rate <= self.max_rate:
            raise ValueError("rates must satisfy 0 < min_rate <= max_rate")
        if self.capacity < 1 or not 0 < self.decrease < 1 or self.recovery < 0:
            raise ValueError("capacity must be >= 1, decrease in (0, 1), recovery >= 0")


@dataclasses.dataclass(frozen=True)
class BucketState:
    """A bucket at ``updated_at``: ``tokens`` (negative while calls wait) and the current rate."""

    tokens: float
    rate: float
    updated_at: float
    decreased_at: float = float("-inf")
    """When a 429 last halved the rate (wall-clock seconds; minus infinity: never)."""


class BudgetStore(Protocol):
    """Holds buckets by key with an atomic compare-and-set (see the module docstring)."""

    def load(self, key: str) -> tuple[BucketState | None, int]: ...

    def save(self, key: str, state: BucketState, expected_version: int) -> bool: ...


class InMemoryBudgetStore:
    """A ``BudgetStore`` for one process."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[BucketState, int]] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> tuple[BucketState | None, int]:
        with self._lock:
            state, version = self._buckets.get(key, (None, 0))
            return state, version

    def save(self, key: str, state: BucketState, expected_version: int) -> bool:
        with self._lock:
            _, version = self._buckets.get(key, (None, 0))
            if version != expected_version:
                return False
            self._buckets[key] = (state, version + 1)
            return True


def full_bucket(policy: BudgetPolicy, now: float) -> BucketState:
    return BucketState(tokens=policy.capacity, rate=policy.max_rate, updated_at=now)


def refill(state: BucketState, policy: BudgetPolicy, now: float) -> BucketState:
    """``state`` at ``now``: tokens grow at the current rate up to the capacity, and the rate
    by ``quiet_recovery`` a second up to the maximum."""
    elapsed = max(0.0, now - state.updated_at)
    tokens = min(policy.capacity, state.tokens + elapsed * state.rate)
    rate = min(policy.max_rate, max(state.rate, state.rate + elapsed * policy.quiet_recovery))
    return dataclasses.replace(
        state, tokens=tokens, rate=rate, updated_at=max(now, state.updated_at)
    )


def reserve(state: BucketState, policy: BudgetPolicy, now: float) -> tuple[BucketState, float]:
    """Take one token at ``now``; return the new state and how long the caller must wait."""
    current = refill(state, policy, now)
    tokens = current.tokens - 1.0
    wait = max(0.0, -tokens / current.rate)
    return dataclasses.replace(current, tokens=tokens), wait


def slow_down(
    state: BucketState, policy: BudgetPolicy, now: float, retry_after: float | None = None
) -> BucketState:
    """After a 429: halve the rate (once per ``decrease_interval``), and when the server named a
    delay, pause the bucket for it."""
    current = refill(state, policy, now)
    rate, decreased_at = current.rate, current.decreased_at
    if not policy.decrease_interval or now - current.decreased_at >= policy.decrease_interval:
        rate, decreased_at = max(policy.min_rate, current.rate * policy.decrease), now
    tokens = min(current.tokens, 0.0)
    if retry_after:
        tokens = min(tokens, -retry_after * rate)
    return dataclasses.replace(current, tokens=tokens, rate=rate, decreased_at=decreased_at)


def speed_up(state: BucketState, policy: BudgetPolicy, now: float) -> BucketState:
    """After an answer that is not a 429: give back ``recovery`` calls per second."""
    current = refill(state, policy, now)
    rate = min(policy.max_rate, current.rate + policy.recovery)
    return dataclasses.replace(current, rate=rate)


def budget_key(seller_id: str, group: str) -> str:
    return f"octopia-budget:{seller_id}:{group}"


class Budget:
    """Token buckets per (seller, endpoint group), kept in a ``BudgetStore``."""

    def __init__(
        self,
        store: BudgetStore | None = None,
        *,
        default: BudgetPolicy | None = None,
        policies: Mapping[str, BudgetPolicy] | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store: BudgetStore = store if store is not None else InMemoryBudgetStore()
        self._default = default or BudgetPolicy()
        self._policies = dict(policies or {})
        self._clock = clock or SystemClock()
        self._sleep = sleep

    def policy(self, group: str) -> BudgetPolicy:
        return self._policies.get(group, self._default)

    def acquire(self, seller_id: str, group: str) -> float:
        """Wait for one call of ``group`` for ``seller_id``; return the seconds waited.

        Raises ``RateLimited`` (nothing taken) when the wait would exceed ``max_wait``.
        """
        policy = self.policy(group)
        key = budget_key(seller_id, group)
        for _ in range(MAXIMUM_CONFLICTS):
            state, version = self.store.load(key)
            now = self._now()
            state, wait = reserve(state or full_bucket(policy, now), policy, now)
            if wait > policy.max_wait:
                raise RateLimited(
                    f"cdlink's own call budget for seller {seller_id} ({group}) is spent "
                    f"for the next {wait:.0f} s after recent 429 answers",
                    retry_after=wait,
                )
            if self.store.save(key, state, version):
                if wait > 0:
                    self._sleep(wait)
                return wait
        raise RuntimeError(f"the budget store kept refusing updates of {key}")

    def observe(self, seller_id: str, group: str, response: httpx.Response) -> None:
        """Learn from the answer to a call: slow down on 429, recover slowly otherwise."""
        if response.status_code >= 500:
            return
        policy = self.policy(group)
        key = budget_key(seller_id, group)
        retry_after = retry_after_seconds(response.headers, self._clock.now())
        for _ in range(MAXIMUM_CONFLICTS):
            state, version = self.store.load(key)
            now = self._now()
            state = state or full_bucket(policy, now)
            if response.status_code == 429:
                state = slow_down(state, policy, now, retry_after)
            else:
                state = speed_up(state, policy, now)
            if self.store.save(key, state, version):
                return
        raise RuntimeError(f"the budget store kept refusing updates of {key}")

    def state(self, seller_id: str, group: str) -> BucketState | None:
        """The stored bucket of ``group`` for ``seller_id`` (for the dashboard and tests)."""
        return self.store.load(budget_key(seller_id, group))[0]

    def _now(self) -> float:
        return self._clock.now().timestamp()
