from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from cdlink.core.clock import ManualClock
from cdlink.core.secret_box import SecretBox, generate_key
from cdlink.store.engine import Database, normalize_url
from cdlink.store.models import ActivityEntry, Connection, SyncRun
from cdlink.store.secrets import reencrypt_secrets
from cdlink.store.users import (
    UserError,
    create_user,
    find_user,
    has_users_locked,
    user_count,
    verify_password,
)
from tests.support.connections import make_connection


def store(database: Database, row: object) -> None:
    with database.session() as session:
        session.add(row)


def test_given_an_aware_time_in_any_zone_when_stored_then_it_reads_back_as_the_same_utc_instant(
    database: Database, clock: ManualClock
) -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 24, 10, 30, tzinfo=paris)
    with database.session() as session:
        session.add(ActivityEntry(occurred_at=moment, kind="test", message="m", details={}))

    with database.reading() as session:
        stored = session.scalars(select(ActivityEntry.occurred_at)).one()

    assert stored == moment
    assert stored.tzinfo == UTC


def test_given_a_naive_time_when_stored_then_it_is_refused(database: Database) -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001

    entry = ActivityEntry(occurred_at=naive, kind="t", message="m", details={})

    with pytest.raises(StatementError, match="naive datetime"):
        store(database, entry)


def test_given_a_run_for_a_missing_connection_when_stored_then_the_foreign_key_refuses_it(
    database: Database, clock: ManualClock
) -> None:
    orphan = SyncRun(connection_id=999, stream="orders", started_at=clock.now(), counts={})

    with pytest.raises(IntegrityError):
        store(database, orphan)


def test_given_the_same_seller_and_client_twice_when_stored_then_the_second_is_refused(
    database: Database, clock: ManualClock
) -> None:
    box = SecretBox([generate_key()])
    with database.session() as session:
        session.add(make_connection(box, clock))

    with pytest.raises(IntegrityError):
        store(database, make_connection(box, clock, name="again"))


def test_given_secrets_under_an_old_key_when_reencrypted_then_all_move_to_the_new_key(
    database: Database, clock: ManualClock
) -> None:
    old_key, new_key = generate_key(), generate_key()
    old_box = SecretBox([old_key])
    with database.session() as session:
        session.add(make_connection(old_box, clock))
        session.add(make_connection(old_box, clock, client_id="shop-client-2"))

    rotating_box = SecretBox([new_key, old_key])
    with database.session() as session:
        changed = reencrypt_secrets(session, rotating_box)
    with database.session() as session:
        again = reencrypt_secrets(session, rotating_box)

    new_only = SecretBox([new_key])
    with database.reading() as session:
        secrets = [
            new_only.decrypt(c.secret_ciphertext) for c in session.scalars(select(Connection))
        ]
    assert changed == 2
    assert again == 0
    assert secrets == ["the-client-secret", "the-client-secret"]


def test_given_a_connection_when_printed_then_neither_secret_nor_ciphertext_appears(
    clock: ManualClock,
) -> None:
    box = SecretBox([generate_key()])
    connection = make_connection(box, clock)

    assert "the-client-secret" not in repr(connection)
    assert connection.secret_ciphertext not in repr(connection)


def test_given_a_user_when_created_then_the_password_is_hashed_and_verifiable(
    database: Database, clock: ManualClock
) -> None:
    with database.session() as session:
        create_user(session, clock, " Admin@Example.FR ", "correct horse battery")

    with database.session() as session:
        user = find_user(session, "admin@example.fr")
        assert user is not None
        assert "correct horse" not in user.password_hash
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user, "correct horse battery")
        assert not verify_password(user, "wrong password!")


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough password", "not an e-mail"),
        ("a@b.fr", "short", "shorter than 10"),
    ],
)
def test_given_bad_user_input_when_creating_then_the_error_names_the_problem(
    database: Database, clock: ManualClock, email: str, password: str, message: str
) -> None:
    with pytest.raises(UserError, match=message), database.session() as session:
        create_user(session, clock, email, password)


def test_given_an_existing_email_when_creating_again_then_it_is_refused(
    database: Database, clock: ManualClock
) -> None:
    with database.session() as session:
        create_user(session, clock, "a@b.fr", "long enough password")

    with pytest.raises(UserError, match="already exists"), database.session() as session:
        create_user(session, clock, "A@B.fr", "long enough password")


def test_given_sqlite_when_connected_then_wal_and_foreign_keys_are_on(tmp_path: object) -> None:
    database = Database(f"sqlite:///{tmp_path}/pragmas.sqlite3")
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()


def test_given_a_postgresql_url_without_driver_when_normalized_then_psycopg_3_is_used() -> None:
    assert normalize_url("postgresql://u:p%40ss@h/db").startswith("postgresql+psycopg://u:p%40ss@")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_given_setups_racing_on_an_empty_database_when_each_checks_then_creates_then_one_admin(
    database: Database, clock: ManualClock
) -> None:
    start = threading.Barrier(4)
    created: list[str] = []

    def first_setup(number: int) -> None:
        start.wait()
        with database.session() as session:
            if has_users_locked(session):
                return
            time.sleep(0.05)  # widen the gap between the check and the insert
            create_user(
                session, clock, f"admin{number}@example.com", "long enough secret", is_admin=True
            )
            created.append(f"admin{number}")

    threads = [threading.Thread(target=first_setup, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with database.reading() as session:
        assert user_count(session) == 1
    assert len(created) == 1
