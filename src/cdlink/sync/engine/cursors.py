"""Cursors: how far one stream of one connection has read, stored as merged finished windows.

A window joins the cursor only through ``Cursor.complete``, called inside the transaction that
commits the window's data, so the cursor can never run ahead of what is stored.

Each run reads again what is behind the watermark: the whole look-back, or, for a cursor with an
``overlap`` (the orders stream), only that overlap while the whole look-back was read again less
than ``lookback_every`` ago. A busy shop's look-back holds thousands of orders, and a stream
polled every few seconds read each of them again on every run, spending the call budget its
order actions share. The whole read then reaches ``lookback + lookback_every`` back, so a change
that shows late on the marketplace is still read if it shows within ``lookback``: the first
whole read after it shows starts at most ``lookback_every`` later.
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
        overlap: timedelta | None = None,
        lookback_every: timedelta = timedelta(minutes=1),
    ) -> None:
        if overlap is not None and not timedelta(0) <= overlap <= lookback:
            raise ValueError("the overlap is between nothing and the look-back")
        self.connection_id = connection_id
        self.stream = stream
        self.history = history
        self.lookback = lookback
        self.size = size
        self.overlap = overlap
        self.lookback_every = lookback_every

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

    def span(self, session: Session, now: datetime, *, whole: bool = True) -> Window | None:
        """Everything to read next, as one stretch (``plan``'s windows joined): from the
        watermark back the whole look-back, or only the overlap when ``whole`` is False
        (``lookback_due``)."""
        finished = self.finished(session)
        origin = finished[0].start if finished else now - self.history
        return span(finished, origin=origin, now=now, lookback=self.reach(whole=whole))

    def reach(self, *, whole: bool = True) -> timedelta:
        """How far behind the watermark a run reads again."""
        if self.overlap is None:
            return self.lookback
        return self.lookback + self.lookback_every if whole else self.overlap

    def lookback_due(self, session: Session, now: datetime) -> bool:
        """Whether the next run reads the whole look-back again: always without an overlap, and
        with one when no run has read it whole for ``lookback_every``."""
        if self.overlap is None:
            return True
        row = session.get(StreamCursor, (self.connection_id, self.stream))
        read_at = row.lookback_read_at if row is not None else None
        return read_at is None or now - read_at >= self.lookback_every

    def lookback_read(self, session: Session, at: datetime) -> None:
        """Record that a run read the whole look-back up to ``at`` (after its last window)."""
        row = session.get(StreamCursor, (self.connection_id, self.stream), with_for_update=True)
        if row is not None:
            row.lookback_read_at = at

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
