"""Connections as the sync engine sees them: found by id or name, paused and reactivated.

A connection whose credentials the marketplace rejected is paused (``reauth_required``): the
scheduler skips it and its runs end as "paused", so cdlink stops spending calls on a key that
cannot work. When the seller enters working credentials, ``reactivate`` lets it run again, at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.hub.connections.accounts import ACTIVE, REAUTH_REQUIRED
from cdlink.hub.webhooks.events import emit
from cdlink.store.models import Connection, StreamSchedule
from cdlink.sync.engine.errors import UnknownConnection
from cdlink.sync.engine.runs import log


def find_connection(session: Session, reference: str) -> Connection:
    """The connection whose id or name is ``reference``."""
    connection = None
    if reference.isdigit():
        connection = session.get(Connection, int(reference))
    if connection is None:
        matches = session.scalars(select(Connection).where(Connection.name == reference)).all()
        if len(matches) > 1:
            raise UnknownConnection(
                f"{len(matches)} connections are named {reference!r}",
                hint="Use the connection's id instead of its name.",
            )
        connection = matches[0] if matches else None
    if connection is None:
        raise UnknownConnection(f"no connection has the id or name {reference!r}")
    return connection


def pause_for_reauthentication(
    session: Session, connection_id: int, reason: str, now: datetime
) -> None:
    """Mark the connection "re-authentication needed"; its streams stop until reactivated."""
    connection = session.get_one(Connection, connection_id)
    if connection.state != REAUTH_REQUIRED:
        data = {"connection_id": connection_id, "name": connection.name, "reason": reason}
        emit(session, "connection.reauth_required", data, connection_id=connection_id, now=now)
    connection.state = REAUTH_REQUIRED
    connection.state_reason = reason
    connection.updated_at = now


def reactivate(session: Session, connection_id: int, now: datetime) -> None:
    """Let a paused connection sync again (call it once its credentials work) and run it now."""
    connection = session.get_one(Connection, connection_id)
    if connection.state == ACTIVE:
        return
    connection.state = ACTIVE
    connection.state_reason = None
    connection.updated_at = now
    for schedule in session.scalars(
        select(StreamSchedule).where(StreamSchedule.connection_id == connection_id)
    ):
        if schedule.interval_seconds is not None:
            schedule.next_run_at = now
    log(
        session,
        connection_id=connection_id,
        kind="connection.reactivated",
        message=f"{connection.name}: syncing again",
        now=now,
    )
