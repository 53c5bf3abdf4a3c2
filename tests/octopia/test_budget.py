"""The rate budget: token bucket per (seller, group), halving on 429, recovering gradually."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdlink.core.clock import ManualClock
from cdlink.octopia import Budget, BudgetPolicy, InMemoryBudgetStore, OctopiaClient, RateLimited
from cdlink.octopia.budget import BucketState, full_bucket, reserve, slow_down, speed_up
from tests.support.octopia_fakes import FakeOctopia

POLICY = BudgetPolicy(max_rate=2.0, capacity=3.0, min_rate=0.1, recovery=0.2, max_wait=1000.0)


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://x/y"))


def budget_on(
    clock: ManualClock, policy: BudgetPolicy = POLICY, store: InMemoryBudgetStore | None = None
) -> Budget:
    return Budget(store or InMemoryBudgetStore(), default=policy, clock=clock, sleep=clock.advance)


@settings(max_examples=150, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0.0, max_value=3.0), min_size=1, max_size=60),
    window=st.floats(min_value=0.1, max_value=10.0),
)
def test_given_any_arrivals_when_acquiring_then_no_window_lets_more_than_the_bucket_allows(
    gaps: list[float], window: float
) -> None:
    """Sends in any window of length w never exceed capacity + max_rate · w."""
    state, now, sends = full_bucket(POLICY, 0.0), 0.0, []
    for gap in gaps:
        now += gap
        state, wait = reserve(state, POLICY, now)
        sends.append(now + wait)
    sends.sort()
    for start_index, start in enumerate(sends):
        inside = sum(1 for moment in sends[start_index:] if moment <= start + window)
        assert inside <= POLICY.capacity + POLICY.max_rate * window + 1e-9


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=200))
def test_given_429s_then_successes_when_observing_then_the_rate_stays_bounded_and_recovers(
    failures: int, successes: int
) -> None:
    state = full_bucket(POLICY, 0.0)
    for _ in range(failures):
        state = slow_down(state, POLICY, 0.0)
        assert POLICY.min_rate <= state.rate <= POLICY.max_rate
    assert state.rate == max(POLICY.min_rate, POLICY.max_rate * 0.5**failures)
    for _ in range(successes):
        previous = state.rate
        state = speed_up(state, POLICY, 0.0)
        assert previous <= state.rate <= POLICY.max_rate
    needed = (POLICY.max_rate - POLICY.min_rate) / POLICY.recovery + 1
    if successes >= needed:
        assert state.rate == POLICY.max_rate


def test_given_a_full_bucket_when_bursting_then_capacity_goes_now_and_the_rest_waits(
    clock: ManualClock,
) -> None:
    budget = budget_on(clock)
    waits = [budget.acquire("1", "orders") for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.5)
    assert waits[4] == pytest.approx(0.5)


def test_given_a_429_when_observed_then_the_rate_halves_and_other_groups_are_untouched(
    clock: ManualClock,
) -> None:
    budget = budget_on(clock)
    budget.acquire("1", "orders")
    budget.acquire("1", "offers")
    budget.observe("1", "orders", answer(429))
    now = clock.now().timestamp()
    assert budget.state("1", "orders") == BucketState(
        tokens=0.0, rate=1.0, updated_at=now, decreased_at=now
    )
    assert budget.state("1", "offers").rate == 2.0  # type: ignore[union-attr]
    assert budget.state("2", "orders") is None


def test_given_a_429_with_retry_after_when_observed_then_every_caller_waits_that_long(
    clock: ManualClock,
) -> None:
    store = InMemoryBudgetStore()
    first, second = budget_on(clock, store=store), budget_on(clock, store=store)
    first.observe("1", "orders", answer(429, **{"Retry-After": "10"}))
    assert second.acquire("1", "orders") == pytest.approx(11.0)


def test_given_a_wait_beyond_max_wait_when_acquiring_then_rate_limited_and_nothing_taken(
    clock: ManualClock,
) -> None:
    budget = budget_on(clock, BudgetPolicy(max_wait=5.0))
    budget.observe("1", "orders", answer(429, **{"Retry-After": "60"}))
    before = budget.state("1", "orders")
    with pytest.raises(RateLimited) as caught:
        budget.acquire("1", "orders")
    assert caught.value.retry_after == pytest.approx(60.0 + 1 / 5.0)
    assert budget.state("1", "orders") == before


def test_given_successes_after_a_429_when_observed_then_the_rate_climbs_back_step_by_step(
    clock: ManualClock,
) -> None:
    budget = budget_on(clock)
    budget.observe("1", "orders", answer(429))
    rates = []
    for _ in range(6):
        budget.observe("1", "orders", answer(200))
        rates.append(budget.state("1", "orders").rate)  # type: ignore[union-attr]
    assert rates == pytest.approx([1.2, 1.4, 1.6, 1.8, 2.0, 2.0])


def test_given_a_5xx_when_observed_then_the_budget_does_not_move(clock: ManualClock) -> None:
    budget = budget_on(clock)
    budget.observe("1", "orders", answer(503))
    assert budget.state("1", "orders") is None


def test_given_a_store_that_loses_every_race_when_acquiring_then_a_clear_error(
    clock: ManualClock,
) -> None:
    class Refusing(InMemoryBudgetStore):
        def save(self, key: str, state: BucketState, expected_version: int) -> bool:
            return False

    with pytest.raises(RuntimeError, match="kept refusing"):
        budget_on(clock, store=Refusing()).acquire("1", "orders")


def test_given_a_stale_version_when_saving_then_the_store_refuses() -> None:
    store = InMemoryBudgetStore()
    state = BucketState(tokens=1.0, rate=1.0, updated_at=0.0)
    assert store.save("k", state, 0)
    assert not store.save("k", state, 0)
    assert store.load("k") == (state, 1)


@pytest.mark.parametrize(
    "options",
    [{"min_rate": 0.0}, {"min_rate": 5.0, "max_rate": 1.0}, {"capacity": 0.5}, {"decrease": 1.0}],
)
def test_given_an_impossible_policy_when_built_then_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        BudgetPolicy(**options)


def test_given_a_client_when_a_429_comes_back_then_its_budget_for_that_group_slows_down(
    fake: FakeOctopia, client: OctopiaClient
) -> None:
    fake.route("GET", "/carriers", httpx.Response(429), httpx.Response(200, json=[]))
    client.carriers.list()
    state = client.budget.state("700085", "sellers")
    assert state is not None
    assert state.rate == pytest.approx(BudgetPolicy().max_rate / 2 + 0.1)


def test_given_per_group_policies_when_building_a_client_then_each_group_uses_its_own(
    make_client: Callable[..., OctopiaClient],
) -> None:
    slow = BudgetPolicy(max_rate=1.0, capacity=1.0)
    client = make_client(budget_policies={"offer-packages": slow})
    assert client.budget.policy("offer-packages") is slow
    assert client.budget.policy("orders") == BudgetPolicy()


def test_given_threads_racing_on_one_bucket_when_acquiring_then_no_reservation_is_lost(
    clock: ManualClock,
) -> None:
    """With time frozen, 4 threads of 50 reservations must leave exactly capacity - 200 tokens."""
    waits: list[float] = []
    budget = Budget(InMemoryBudgetStore(), default=POLICY, clock=clock, sleep=waits.append)

    def work() -> None:
        for _ in range(50):
            budget.acquire("1", "orders")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = budget.state("1", "orders")
    assert state is not None
    assert state.tokens == pytest.approx(POLICY.capacity - 200)
    assert sorted(waits) == pytest.approx([n / POLICY.max_rate for n in range(1, 198)])


events = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=3.0),
        st.sampled_from(["call", "call", "call", "429", "ok"]),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(events, st.floats(min_value=0.1, max_value=10.0))
def test_given_calls_mixed_with_429s_and_successes_then_no_window_exceeds_the_bucket(
    history: list[tuple[float, str]], window: float
) -> None:
    """Learning never lets the bucket send faster than capacity + max_rate * window."""
    state, now, sends = full_bucket(POLICY, 0.0), 0.0, []
    for gap, event in history:
        now += gap
        if event == "call":
            state, wait = reserve(state, POLICY, now)
            sends.append(now + wait)
        elif event == "429":
            state = slow_down(state, POLICY, now)
        else:
            state = speed_up(state, POLICY, now)
    sends.sort()
    for start_index, start in enumerate(sends):
        inside = sum(1 for moment in sends[start_index:] if moment <= start + window)
        assert inside <= POLICY.capacity + POLICY.max_rate * window + 1e-9
