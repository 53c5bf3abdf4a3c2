"""Asking for a stream's run: the ``stream_schedules`` row, and a wake-up after the commit.

Both the sync engine (``cdlink.sync.engine.schedules``: "sync now", a new outbox entry) and the
back office (``cdlink.hub.webhooks.events``: a new webhook event) ask for runs, and the back office
may not import the sync layer: the row logic lives here, once.

A request is a row change, picked up by the scheduler at its next tick. So that the embedded
runtime starts the run at once rather than up to a tick later, ``request_run`` marks its session,
and when that session's transaction commits (never before: the run must see what asked for it),
the callbacks given to ``on_requested`` are called (``EmbeddedRuntime.wake``). A rolled-back
request calls nothing. The distributed scheduler, in its own process, sees the row at its tick.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from cdlink.store.models import StreamSchedule

ACTIVE, DEAD = "active", "dead"
#: The session's ``info`` key that says a run was requested in its transaction.
_REQUESTED = "cdlink.run_requested"


def schedule_for(
    session: Session, connection_id: int, stream: str, *, default_interval: int | None = None
) -> StreamSchedule:
    """The schedule row, created (due at once) if it does not exist yet."""
    row = session.get(StreamSchedule, (connection_id, stream))
    if row is not None:
        return row
    row = StreamSchedule(
        connection_id=connection_id,
        stream=stream,
        interval_seconds=default_interval,
        enabled=True,
        state=ACTIVE,
        failures=0,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another process created it between our read and our insert: use theirs.
        return session.get_one(StreamSchedule, (connection_id, stream), populate_existing=True)
    return row


def request_run(
    session: Session, connection_id: int, stream: str, *, now: datetime, trigger: str
) -> StreamSchedule:
    """Ask for a run as soon as possible ("sync now" or an event); the scheduler picks it up,
    and the ``on_requested`` callbacks are called once the transaction commits."""
    row = schedule_for(session, connection_id, stream)
    if row.requested_at is None:
        row.requested_at = now
        row.requested_trigger = trigger
    elif trigger == "manual":
        row.requested_trigger = trigger  # a person's "sync now" outranks a waiting event
    session.info[_REQUESTED] = True
    return row


class _Listeners:
    """The callbacks of one session factory, called after a commit that requested a run."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[], None]] = []
        self.lock = threading.Lock()

    def committed(self, session: Session) -> None:
        # A savepoint's release fires this too, inside the transaction: wait for the real one.
        if session.get_nested_transaction() is not None:
            return
        if not session.info.pop(_REQUESTED, False):
            return
        with self.lock:
            callbacks = list(self.callbacks)
        for callback in callbacks:
            callback()

    @staticmethod
    def rolled_back(session: Session, previous: SessionTransaction) -> None:
        if not previous.nested:  # the whole transaction, not a savepoint
            session.info.pop(_REQUESTED, None)


_LISTENERS: weakref.WeakKeyDictionary[sessionmaker[Session], _Listeners] = (
    weakref.WeakKeyDictionary()
)
_REGISTRY_LOCK = threading.Lock()


def on_requested(
    sessions: sessionmaker[Session], callback: Callable[[], None]
) -> Callable[[], None]:
    """Call ``callback`` after each commit of a ``sessions`` session that requested a run;
    returns the function that stops it. The callback must be quick (it runs in the committer's
    thread): setting an event is the intended use."""
    with _REGISTRY_LOCK:
        listeners = _LISTENERS.get(sessions)
        if listeners is None:
            listeners = _LISTENERS[sessions] = _Listeners()
            event.listen(sessions, "after_commit", listeners.committed)
            event.listen(sessions, "after_soft_rollback", listeners.rolled_back)
    with listeners.lock:
        listeners.callbacks.append(callback)

    def stop() -> None:
        with listeners.lock:
            if callback in listeners.callbacks:
                listeners.callbacks.remove(callback)

    return stop
