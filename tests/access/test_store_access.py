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


def test_given_failures_when_throttling_then_an_account_unlocks_after_the_window(
    database: Database, clock: ManualClock
) -> None:
    with database.session() as session:
        for _ in range(3):
            access.record_login_attempt(
                session, POLICY, "a@b.fr", "10.0.0.1", clock.now(), succeeded=False
            )
            clock.advance(10)
    with database.reading() as session:
        until = access.login_blocked_until(session, POLICY, "a@b.fr", "10.0.0.2", clock.now())
        other = access.login_blocked_until(session, POLICY, "c@d.fr", "10.0.0.2", clock.now())
    assert until is not None
    assert until > clock.now()
    assert other is None

    clock.advance(POLICY.window)
    with database.reading() as session:
        assert (
            access.login_blocked_until(session, POLICY, "a@b.fr", "10.0.0.2", clock.now()) is None
        )


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
