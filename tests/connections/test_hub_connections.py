"""Saving, changing and removing connections, on SQLite and PostgreSQL (issue 6: the secret is
stored only encrypted; a blank secret keeps the old one; removal keeps the row)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from cdlink.core.clock import ManualClock
from cdlink.core.redaction import redact
from cdlink.core.secret_box import SecretBox, generate_key
from cdlink.hub.connections import accounts as connections
from cdlink.hub.connections.rules import ConnectionDraft
from cdlink.store.engine import Database
from cdlink.store.models import ActivityEntry, Connection
from cdlink.store.secrets import reencrypt_secrets

SECRET = "Octopia-Secret-7f3a9c"


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([generate_key()])


def draft(**changes: object) -> ConnectionDraft:
    values: dict[str, object] = {
        "seller_id": "424242",
        "client_id": "boutique-client-1",
        "secret": SECRET,
    }
    values.update(changes)
    return ConnectionDraft(**values)  # type: ignore[arg-type]


def test_given_a_valid_draft_when_created_then_only_the_ciphertext_is_stored(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        created = connections.create_connection(session, box, clock, draft(name="  Ma boutique "))

    with database.reading() as session:
        stored = session.get_one(Connection, created.id)
        raw = session.execute(text("SELECT * FROM connections")).all()
        assert stored.name == "Ma boutique"
        assert stored.state == "active"
        assert stored.stock_sync_enabled is False
        assert box.decrypt(stored.secret_ciphertext) == SECRET
        assert SECRET not in repr(raw)
        assert connections.credentials(stored, box).secret == SECRET
    assert redact(f"token call failed with {SECRET}") == "token call failed with ***"


def test_given_an_invalid_draft_when_created_then_nothing_is_saved_and_fields_are_named(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session, pytest.raises(connections.InvalidConnectionError) as caught:
        connections.create_connection(session, box, clock, draft(seller_id="abc", secret=""))

    assert {problem.field for problem in caught.value.problems} == {"seller_id", "secret"}
    assert SECRET not in str(caught.value)
    with database.reading() as session:
        assert connections.list_connections(session) == []


def test_given_a_saved_connection_when_edited_with_a_blank_secret_then_the_old_secret_stays(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        created = connections.create_connection(session, box, clock, draft())
    with database.session() as session:
        connections.update_connection(
            session,
            box,
            clock,
            created.id,
            draft(secret="", name="Renamed", stock_sync_enabled=True),
        )
    with database.session() as session:
        connections.update_connection(session, box, clock, created.id, draft(secret="New-Secret-1"))

    with database.reading() as session:
        stored = connections.get_connection(session, created.id)
        assert box.decrypt(stored.secret_ciphertext) == "New-Secret-1"
        assert stored.name == "Cdiscount"
        kinds = list(session.scalars(select(ActivityEntry.kind).order_by(ActivityEntry.id)))
    assert kinds == ["connection.created", "connection.updated", "connection.updated"]


def test_given_the_same_account_twice_when_created_then_the_second_is_refused(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        connections.create_connection(session, box, clock, draft())

    with database.session() as session, pytest.raises(connections.InvalidConnectionError) as caught:
        connections.create_connection(session, box, clock, draft(name="Again"))

    assert caught.value.problems[0].field == "client_id"


def test_given_a_removed_connection_when_listed_then_it_is_gone_but_its_row_and_id_stay(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        created = connections.create_connection(session, box, clock, draft())
    with database.session() as session:
        connections.delete_connection(session, clock, created.id)

    with database.reading() as session:
        assert connections.list_connections(session) == []
        row = session.get_one(Connection, created.id)
        assert (row.state, row.secret_ciphertext, row.stock_sync_enabled) == ("deleted", "", False)
        with pytest.raises(connections.UnknownConnectionError):
            connections.get_connection(session, created.id)
    with database.session() as session:
        assert reencrypt_secrets(session, SecretBox([generate_key(), *[]])) == 0
        revived = connections.create_connection(session, box, clock, draft(secret="Another-1"))
    assert revived.id == created.id


def test_given_a_check_outcome_when_recorded_then_rejected_credentials_pause_the_connection(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        created = connections.create_connection(session, box, clock, draft())
    with database.session() as session:
        connections.record_check(
            session,
            clock,
            created.id,
            succeeded=False,
            credentials_rejected=True,
            reason="wrong_credentials",
        )
    with database.reading() as session:
        assert connections.get_connection(session, created.id).state == "reauth_required"
    with database.session() as session:
        connections.record_check(
            session, clock, created.id, succeeded=True, credentials_rejected=False, reason=None
        )
    with database.reading() as session:
        stored = connections.get_connection(session, created.id)
        assert (stored.state, stored.state_reason) == ("active", None)
        assert stored.last_tested_at == clock.now()


def test_given_a_removed_account_when_another_app_is_edited_into_it_then_it_is_refused(
    database: Database, box: SecretBox, clock: ManualClock
) -> None:
    with database.session() as session:
        removed = connections.create_connection(session, box, clock, draft())
        kept = connections.create_connection(session, box, clock, draft(client_id="other-client"))
    with database.session() as session:
        connections.delete_connection(session, clock, removed.id)

    with database.session() as session, pytest.raises(connections.InvalidConnectionError) as caught:
        connections.update_connection(session, box, clock, kept.id, draft(secret=""))

    assert "install it again" in caught.value.problems[0].message
    with database.reading() as session:
        assert session.get_one(Connection, removed.id).state == "deleted"
