"""Sessions, API tokens and login throttling in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from cdlink.core.clock import ManualClock
from cdlink.store import access
from cdlink.store.engine import Database
from cdlink.store.models import User
from cdlink.store.users import create_user

POLICY = access.ThrottlePolicy(
    failures_per_account=3, failures_per_address=5, window=timedelta(minutes=15)
)


@pytest.fixture
def user_id(database: Database, clock: ManualClock) -> int:
    with database.session() as session:
        return create_user(session, clock, "owner@boutique.fr", "x" * 12).id


def test_given_a_session_when_idle_too_long_then_it_is_refused_and_forgotten(
    database: Database, clock: ManualClock, user_id: int
) -> None:
    idle = timedelta(hours=1)
    with database.session() as session:
        token = access.open_session(
            session, session.get_one(User, user_id), clock.now(), timedelta(days=1)
        )
    with database.reading() as session:
        user, stale = access.resume_session(session, token, clock.now(), idle)
        assert user is not None
        assert user.id == user_id
        assert not stale
        assert access.resume_session(session, token + "x", clock.now(), idle) == (None, False)

    clock.advance(timedelta(hours=1, seconds=1))
    with database.reading() as session:
        assert access.resume_session(session, token, clock.now(), idle) == (None, True)
    with database.session() as session:
        access.refresh_session(session, token, clock.now(), idle)
        assert session.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 0


def test_given_an_api_token_when_issued_then_only_its_hash_is_stored_and_revoking_stops_it(
    database: Database, clock: ManualClock, user_id: int
) -> None:
    with database.session() as session:
        issued = access.issue_api_token(session, session.get_one(User, user_id), "ERP", clock.now())
    with database.reading() as session:
        stored = session.execute(text("SELECT token_hash, prefix FROM api_tokens")).one()
        user, due = access.authenticate_api_token(session, issued.secret, clock.now())
    assert issued.secret not in stored
    assert issued.secret.startswith(stored.prefix)
    assert user is not None
    assert due

    with database.session() as session:
        access.revoke_api_token(session, issued.record.id, clock.now(), user_id)
        with pytest.raises(access.AccessError):
            access.revoke_api_token(session, issued.record.id, clock.now(), user_id)
    with database.reading() as session:
        assert access.authenticate_api_token(session, issued.secret, clock.now()) == (None, False)
        assert access.list_api_tokens(session, user_id) == []


def _fail(database: Database, clock: ManualClock, account: str, address: str, times: int) -> None:
    with database.session() as session:
        for _ in range(times):
            access.record_login_attempt(
                session, POLICY, account, address, clock.now(), succeeded=False
            )


def _blocked_for(database: Database, clock: ManualClock, account: str, address: str) -> float:
    """Seconds until ``account`` may be tried from ``address`` (0: now)."""
    with database.reading() as session:
        until = access.login_blocked_until(session, POLICY, account, address, clock.now())
    return 0.0 if until is None else (until - clock.now()).total_seconds()


def test_given_failures_from_one_address_when_throttling_then_only_that_address_waits(
    database: Database, clock: ManualClock
) -> None:
    _fail(database, clock, "a@b.fr", "10.0.0.1", POLICY.failures_per_account)

    assert _blocked_for(database, clock, "a@b.fr", "10.0.0.1") == 1
    assert _blocked_for(database, clock, "a@b.fr", "10.0.0.2") == 0  # the real user, elsewhere
    assert _blocked_for(database, clock, "c@d.fr", "10.0.0.1") == 0  # another account


def test_given_failures_in_a_row_when_throttling_then_the_delay_doubles_up_to_the_maximum(
    database: Database, clock: ManualClock
) -> None:
    waits = []
    _fail(database, clock, "a@b.fr", "10.0.0.1", POLICY.failures_per_account - 1)
    for _ in range(14):
        _fail(database, clock, "a@b.fr", "10.0.0.1", 1)
        wait = _blocked_for(database, clock, "a@b.fr", "10.0.0.1")
        waits.append(wait)
        clock.advance(timedelta(seconds=wait))
        # The address-wide window must not hide the pair's own delay: move past it.
        clock.advance(POLICY.window)

    assert waits[:10] == [2.0**n for n in range(10)]  # 1 s … 512 s
    assert waits[10:] == [POLICY.max_delay.total_seconds()] * 4  # 15 minutes


def test_given_a_throttle_policy_when_asked_for_delays_then_they_double_from_one_second() -> None:
    assert [POLICY.delay(n).total_seconds() for n in range(6)] == [0, 0, 0, 1, 2, 4]
    assert POLICY.delay(10_000) == POLICY.max_delay


def test_given_a_successful_login_when_throttling_then_earlier_account_failures_no_longer_count(
    database: Database, clock: ManualClock
) -> None:
    with database.session() as session:
        for succeeded in (False, False, True, False):
            access.record_login_attempt(
                session, POLICY, "a@b.fr", "10.0.0.1", clock.now(), succeeded=succeeded
            )
            clock.advance(1)
    with database.reading() as session:
        assert (
            access.login_blocked_until(session, POLICY, "a@b.fr", "10.0.0.1", clock.now()) is None
        )
