"""The call budget the runtimes build from ``CDLINK_OCTOPIA_MAX_CALLS_PER_SECOND``: its recovery
after 429s is in proportion to the maximum, so a higher budget is not slower to climb back, and
it climbs back with quiet time as well as with answers."""

from __future__ import annotations

import pytest

from cdlink.jobs.marketplace import budget_policy
from cdlink.octopia.budget import (
    BucketState,
    BudgetPolicy,
    full_bucket,
    reserve,
    slow_down,
    speed_up,
)


def answers_to_recover(policy: BudgetPolicy, bursts: int) -> int:
    """Answers (not 429s) needed to be back at the maximum rate after ``bursts`` 429s."""
    state = full_bucket(policy, 0.0)
    for _ in range(bursts):
        state = slow_down(state, policy, 0.0)
    answers = 0
    while state.rate < policy.max_rate:
        state = speed_up(state, policy, 0.0)
        answers += 1
    return answers


def test_given_the_default_budget_when_built_then_it_keeps_the_documented_policy() -> None:
    policy = budget_policy(10)

    assert (policy.max_rate, policy.capacity, policy.recovery) == (10, 10, pytest.approx(0.1))
    assert policy.min_rate == BudgetPolicy().min_rate


@pytest.mark.parametrize("bursts", [1, 5, 30])
def test_given_a_higher_budget_when_429s_came_then_it_climbs_back_in_as_many_answers(
    bursts: int,
) -> None:
    default, higher = budget_policy(10), budget_policy(50)
    fixed_step = BudgetPolicy(max_rate=50, capacity=50)  # the recovery before: 0.1 an answer

    assert answers_to_recover(higher, bursts) <= answers_to_recover(default, bursts) + 1
    assert answers_to_recover(fixed_step, bursts) > 4 * answers_to_recover(higher, bursts)


@pytest.mark.parametrize("maximum", [10, 50])
def test_given_a_budget_at_its_floor_when_30_s_pass_without_a_429_then_it_is_back_at_its_maximum(
    maximum: float,
) -> None:
    policy = budget_policy(maximum)
    state = BucketState(tokens=0.0, rate=policy.min_rate, updated_at=0.0, decreased_at=0.0)

    halfway, _ = reserve(state, policy, 15.0)  # a call after 15 s of quiet
    later, _ = reserve(halfway, policy, 30.0)

    assert halfway.rate == pytest.approx(policy.min_rate + maximum / 2)
    assert later.rate == maximum
    # A 429 then halves the rate reached, as after any other recovery.
    assert slow_down(later, policy, 30.0).rate == maximum / 2


def test_given_the_client_alone_when_built_then_only_answers_give_the_rate_back() -> None:
    policy = BudgetPolicy()
    state = slow_down(full_bucket(policy, 0.0), policy, 0.0)

    quiet, _ = reserve(state, policy, 3600.0)

    assert quiet.rate == state.rate == policy.max_rate / 2


def test_given_a_burst_of_429s_within_a_second_when_observed_then_the_rate_is_halved_once() -> None:
    policy = budget_policy(50)
    state = full_bucket(policy, 0.0)
    for index in range(27):  # the answers to the calls in flight and their retries
        state = slow_down(state, policy, index / 30)

    # Halved once, then given back what the time since gives back (26/30 s of it).
    assert state.rate == pytest.approx(25 + policy.quiet_recovery * 26 / 30)
    # A 429 a second after the decrease is a new signal: halved again.
    assert slow_down(state, policy, 1.0).rate == pytest.approx((25 + policy.quiet_recovery) / 2)
    # The client alone halves on each 429, as before.
    alone = BudgetPolicy(max_rate=50, capacity=50)
    assert slow_down(slow_down(full_bucket(alone, 0.0), alone, 0.0), alone, 0.1).rate == 12.5
