"""Cursors: how far one stream of one connection has read, stored as merged finished windows.

A window joins the cursor only through ``Cursor.complete``, called inside the transaction that
commits the window's data, so the cursor can never run ahead of what is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cdlink.store.models import StreamCursor
from cdlink.sync.engine.windows import Window, merge, plan, span


class Cursor:
    """The cursor of ``stream`` for ``connection_id``; every method works in the given session."""

    def __init__(
        self,
        connection_id: int,
        stream: str,
        *,
        history: timedelta,
        lookback: timedelta,
        size: timedelta,
    ) -> None:
        self.connection_id = connection_id
        self.stream = stream
        self.history = history
        self.lookback = lookback
        self.size = size

    def finished(self, session: Session) -> list[Window]:
        row = session.get(StreamCursor, (self.connection_id, self.stream))
        if row is None:
            return []
        return [Window(_parse(start), _parse(end)) for start, end in row.windows]

    def plan(self, session: Session, now: datetime) -> list[Window]:
        """The windows to read next; a first run reaches back ``history`` from ``now``."""
        finished = self.finished(session)
        origin = finished[0].start if finished else now - self.history
        return plan(finished, origin=origin, now=now, lookback=self.lookback, size=self.size)

    def span(self, session: Session, now: datetime) -> Window | None:
        """Everything to read next, as one stretch (``plan``'s windows joined)."""
        finished = self.finished(session)
        origin = finished[0].start if finished else now - self.history
        return span(finished, origin=origin, now=now, lookback=self.lookback)

    def complete(self, session: Session, window: Window, now: datetime) -> None:
        """Record ``window`` as read; call it in the transaction that commits its data."""
        row = session.get(StreamCursor, (self.connection_id, self.stream), with_for_update=True)
        if row is None:
            row = StreamCursor(connection_id=self.connection_id, stream=self.stream, windows=[])
            session.add(row)
        finished = [Window(_parse(start), _parse(end)) for start, end in row.windows]
        row.windows = [[w.start.isoformat(), w.end.isoformat()] for w in merge([*finished, window])]
        row.updated_at = now

    def reset(self, session: Session) -> None:
        """Forget how far the stream has read: the next run starts ``history`` back again."""
        row = session.get(StreamCursor, (self.connection_id, self.stream))
        if row is not None:
            session.delete(row)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)
