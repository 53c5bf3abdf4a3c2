"""Connections ("apps" in the interface): add, change, remove and list linked seller accounts.

The one place that writes the ``connections`` table, shared by the pages, the REST API and the
CLI. The secret is encrypted with the ``SecretBox`` before it reaches the session and is never
returned; ``credentials`` decrypts it for the code that talks to the marketplace, and registers
it with the redaction so it cannot leak into a log.

Removing a connection stops its syncs (its state becomes ``deleted``) and erases its secret, but
keeps its row so that orders and bindings imported through it stay attached. Adding the same
seller account again later brings that row back, which is what lets a re-installed account pick
up where it left off instead of importing everything twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.core.errors import CdlinkError
from cdlink.core.redaction import register_secret
from cdlink.core.secret_box import SecretBox
from cdlink.core.translatable import translatable
from cdlink.hub.connections.rules import ConnectionDraft, FieldProblem, cleaned, draft_problems
from cdlink.store.models import ActivityEntry, Connection, Order, SyncRun

ACTIVE, REAUTH_REQUIRED, PAUSED, DELETED = "active", "reauth_required", "paused", "deleted"


class InvalidConnectionError(CdlinkError):
    """A connection cannot be saved as given; ``problems`` name each field to fix."""

    default_hint = "Correct the fields named and try again."

    def __init__(self, problems: list[FieldProblem]) -> None:
        summary = "; ".join(f"{problem.field}: {problem.message}" for problem in problems)
        super().__init__(f"the connection is not valid ({summary})")
        self.problems = problems


class UnknownConnectionError(CdlinkError):
    """No connection has that number (or it was removed)."""

    default_hint = "List the connections (`cdlink apps list`) and use one of their numbers."


@dataclass(frozen=True)
class Credentials:
    """What the marketplace client needs; ``secret`` is the decrypted secret."""

    connection_id: int
    seller_id: int
    auth_mode: str
    client_id: str
    secret: str
    token_url: str | None
    api_url: str | None

    def __repr__(self) -> str:
        return f"Credentials(connection_id={self.connection_id}, seller_id={self.seller_id})"


def list_connections(session: Session) -> list[Connection]:
    """Every connection not removed, in the order they were added."""
    query = select(Connection).where(Connection.state != DELETED).order_by(Connection.id)
    return list(session.scalars(query))


def get_connection(session: Session, connection_id: int) -> Connection:
    connection = session.get(Connection, connection_id)
    if connection is None or connection.state == DELETED:
        raise UnknownConnectionError(f"there is no connection number {connection_id}")
    return connection


def create_connection(
    session: Session,
    box: SecretBox,
    clock: Clock,
    draft: ConnectionDraft,
    *,
    user_id: int | None = None,
) -> Connection:
    """Validate and save a new connection (or bring back a removed one of the same account)."""
    draft = _valid(draft, creating=True)
    existing = _same_account(session, draft)
    if existing is not None and existing.state != DELETED:
        raise InvalidConnectionError([_duplicate_problem(existing)])
    now = clock.now()
    connection = existing or Connection(created_at=now)
    _apply(connection, draft, box)
    connection.state, connection.state_reason = ACTIVE, None
    connection.last_tested_at = None
    connection.updated_at = now
    session.add(connection)
    session.flush()
    _note(
        session,
        connection,
        "connection.created",
        translatable("Application added"),
        now=now,
        user_id=user_id,
    )
    return connection


def validated_new(session: Session, draft: ConnectionDraft) -> ConnectionDraft:
    """The draft of a new connection, cleaned, once it could be saved (nothing is saved):
    ``InvalidConnectionError`` names each field to fix, or the account already connected."""
    draft = _valid(draft, creating=True)
    existing = _same_account(session, draft)
    if existing is not None and existing.state != DELETED:
        raise InvalidConnectionError([_duplicate_problem(existing)])
    return draft


def draft_credentials(draft: ConnectionDraft) -> Credentials:
    """What a connection test needs, from a validated draft not saved yet."""
    return Credentials(
        connection_id=0,
        seller_id=int(draft.seller_id),
        auth_mode=draft.auth_mode,
        client_id=draft.client_id,
        secret=draft.secret,
        token_url=draft.token_url or None,
        api_url=draft.api_url or None,
    )


def keep_as_draft(connection: Connection, reason: str) -> None:
    """A connection saved although its test failed, on the user's explicit choice: it stays
    paused (nothing syncs) until a test passes."""
    connection.state, connection.state_reason = PAUSED, reason


def update_connection(
    session: Session,
    box: SecretBox,
    clock: Clock,
    connection_id: int,
    draft: ConnectionDraft,
    *,
    user_id: int | None = None,
) -> Connection:
    """Change a connection; an empty secret keeps the stored one."""
    connection = get_connection(session, connection_id)
    draft = _valid(draft, creating=False)
    other = _same_account(session, draft)
    if other is not None and other.id != connection.id:
        raise InvalidConnectionError([_duplicate_problem(other)])
    changed = _credentials_changed(connection, draft)
    _apply(connection, draft, box)
    if changed:
        # New credentials have not been tested yet: let the next test or sync tell.
        connection.state, connection.state_reason, connection.last_tested_at = ACTIVE, None, None
    connection.updated_at = clock.now()
    message = translatable("Application changed")
    _note(
        session,
        connection,
        "connection.updated",
        message,
        now=connection.updated_at,
        user_id=user_id,
    )
    return connection


def _duplicate_problem(other: Connection) -> FieldProblem:
    if other.state == DELETED:
        # Its imported data hangs on that row: bring it back rather than clash with it.
        return FieldProblem(
            "client_id",
            translatable(
                "This seller account was connected before and removed: install it again from the "
                "catalogue to pick up where it stopped."
            ),
        )
    return FieldProblem(
        "client_id", translatable("This seller account is already connected with this Client ID.")
    )


def _credentials_changed(connection: Connection, draft: ConnectionDraft) -> bool:
    return (
        bool(draft.secret)
        or draft.client_id != connection.client_id
        or int(draft.seller_id) != connection.seller_id
        or draft.auth_mode != connection.auth_mode
    )


def delete_connection(
    session: Session, clock: Clock, connection_id: int, *, user_id: int | None = None
) -> None:
    """Stop every sync of the connection and erase its secret; imported data stays."""
    connection = get_connection(session, connection_id)
    connection.state, connection.state_reason = DELETED, None
    connection.secret_ciphertext = ""
    connection.stock_sync_enabled = False
    connection.updated_at = clock.now()
    _note(
        session,
        connection,
        "connection.deleted",
        translatable("Application removed; its imported data is kept"),
        now=connection.updated_at,
        user_id=user_id,
    )


def failed_installs(session: Session) -> list[Connection]:
    """Applications whose last test failed and that never brought anything in: no order and no
    successful run (the installs that piled up before Confirm tested first)."""
    query = (
        select(Connection)
        .where(
            Connection.state != DELETED,
            Connection.last_tested_at.is_not(None),
            Connection.state_reason.is_not(None),
            ~exists().where(Order.connection_id == Connection.id),
            ~exists().where(SyncRun.connection_id == Connection.id, SyncRun.outcome == "succeeded"),
        )
        .order_by(Connection.id)
    )
    return list(session.scalars(query))


def remove_failed_installs(session: Session, clock: Clock, *, user_id: int | None = None) -> int:
    """Remove every failed install (``failed_installs``); return how many went."""
    found = failed_installs(session)
    for connection in found:
        delete_connection(session, clock, connection.id, user_id=user_id)
    return len(found)


def credentials(connection: Connection, box: SecretBox) -> Credentials:
    """The decrypted credentials of a connection; the secret is registered for redaction."""
    secret = box.decrypt(connection.secret_ciphertext)
    register_secret(secret)
    return Credentials(
        connection_id=connection.id,
        seller_id=connection.seller_id,
        auth_mode=connection.auth_mode,
        client_id=connection.client_id,
        secret=secret,
        token_url=connection.token_url,
        api_url=connection.api_url,
    )


def record_check(
    session: Session,
    clock: Clock,
    connection_id: int,
    *,
    succeeded: bool,
    credentials_rejected: bool,
    reason: str | None,
    user_id: int | None = None,
) -> Connection:
    """Remember the outcome of a connection test: rejected credentials need the user."""
    connection = get_connection(session, connection_id)
    connection.last_tested_at = clock.now()
    if succeeded:
        connection.state, connection.state_reason = ACTIVE, None
    elif credentials_rejected:
        connection.state, connection.state_reason = REAUTH_REQUIRED, reason
    else:
        connection.state_reason = reason
    level = "info" if succeeded else "warning"
    message = (
        translatable("Connection test passed") if succeeded else f"Connection test failed: {reason}"
    )
    _note(
        session,
        connection,
        "connection.tested",
        message,
        now=connection.last_tested_at,
        user_id=user_id,
        level=level,
    )
    return connection


def _valid(draft: ConnectionDraft, *, creating: bool) -> ConnectionDraft:
    draft = cleaned(draft)
    problems = draft_problems(draft, creating=creating)
    if problems:
        raise InvalidConnectionError(problems)
    return draft


def _same_account(session: Session, draft: ConnectionDraft) -> Connection | None:
    query = select(Connection).where(
        Connection.seller_id == int(draft.seller_id), Connection.client_id == draft.client_id
    )
    return session.scalar(query)


def _apply(connection: Connection, draft: ConnectionDraft, box: SecretBox) -> None:
    connection.name = draft.name
    connection.seller_id = int(draft.seller_id)
    connection.auth_mode = draft.auth_mode
    connection.client_id = draft.client_id
    if draft.secret:
        connection.secret_ciphertext = box.encrypt(draft.secret)
    connection.token_url = draft.token_url or None
    connection.api_url = draft.api_url or None
    connection.stock_sync_enabled = draft.stock_sync_enabled


def _note(
    session: Session,
    connection: Connection,
    kind: str,
    message: str,
    *,
    now: datetime,
    user_id: int | None,
    level: str = "info",
) -> None:
    session.add(
        ActivityEntry(
            occurred_at=now,
            connection_id=connection.id,
            user_id=user_id,
            level=level,
            kind=kind,
            message=message,
            details={
                "name": connection.name,
                "seller_id": connection.seller_id,
                "reason": connection.state_reason,
            },
        )
    )
