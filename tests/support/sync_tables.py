"""A test stream whose "marketplace" is a table the test controls, and its local side.

``TableImporter`` implements the stream interface for real: it reads the ``test_marketplace``
table window by window (as an importer reads the Octopia API), writes ``test_local_records`` (as
the hub's orders would be written) and logs each committed window with its lease holder in
``test_run_log``, so tests can prove nothing was lost, duplicated, or run twice at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from cdlink.store.engine import Database
from cdlink.store.types import UtcDateTime
from cdlink.sync.engine.errors import RecordRejected
from cdlink.sync.engine.importer import Importer
from cdlink.sync.engine.streams import StreamContext
from cdlink.sync.engine.windows import Expectation, Window, WindowPolicy

metadata = MetaData()
remote = Table(
    "test_marketplace",
    metadata,
    Column("external_id", String(40), primary_key=True),
    Column("modified_at", UtcDateTime(), nullable=False),
    Column("value", Integer, nullable=False),
)
local = Table(
    "test_local_records",
    metadata,
    # No unique constraint on purpose: a duplicate would show up as a second row.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(40), nullable=False),
    Column("value", Integer, nullable=False),
)
run_log = Table(
    "test_run_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("holder", String(120), nullable=False),
    Column("started", Float, nullable=False),
    Column("ended", Float, nullable=False),
)


def create_tables(database: Database) -> None:
    metadata.create_all(database.engine)


def publish(database: Database, records: Iterable[tuple[str, datetime, int]]) -> None:
    """Put records on the test marketplace (or change them: same id, later time)."""
    with database.session() as session:
        for external_id, modified_at, value in records:
            changed = session.execute(
                update(remote)
                .where(remote.c.external_id == external_id)
                .values(modified_at=modified_at, value=value)
            )
            if changed.rowcount == 0:  # type: ignore[attr-defined]
                session.execute(
                    insert(remote).values(
                        external_id=external_id, modified_at=modified_at, value=value
                    )
                )


def local_records(database: Database) -> list[tuple[str, int]]:
    with database.reading() as session:
        rows = session.execute(select(local.c.external_id, local.c.value).order_by(local.c.id))
        return [(row.external_id, row.value) for row in rows]


def run_intervals(database: Database) -> list[tuple[str, float, float]]:
    with database.reading() as session:
        rows = session.execute(select(run_log).order_by(run_log.c.started))
        return [(row.holder, row.started, row.ended) for row in rows]


class TableImporter(Importer[Row[Any], dict[str, Any]]):
    name = "test_orders"
    kind = "test_order"
    default_interval = 3600
    history = timedelta(hours=1)
    lookback = timedelta(minutes=2)
    window_size = timedelta(minutes=5)
    #: Windows of five minutes whatever they hold: the crash and shutdown tests count them.
    window_policy = WindowPolicy.fixed(timedelta(minutes=5))
    #: Seconds each fetch takes, so a test can kill a worker in the middle of a run.
    fetch_delay = float(os.environ.get("CDLINK_TEST_FETCH_DELAY", "0"))

    def fetch(self, context: StreamContext, window: Window) -> Iterable[Row[Any]]:
        self._started = time.time()
        time.sleep(self.fetch_delay)
        with context.database.reading() as session:
            query = select(remote).where(
                remote.c.modified_at >= window.start, remote.c.modified_at < window.end
            )
            return list(session.execute(query.order_by(remote.c.external_id)))

    def external_id(self, record: Row[Any]) -> str:
        return str(record.external_id)

    def map(self, record: Row[Any]) -> dict[str, Any]:
        if record.value < 0:
            raise RecordRejected(
                f"a negative value ({record.value}) cannot be imported",
                raw={"external_id": record.external_id, "value": record.value},
            )
        return {"external_id": record.external_id, "value": record.value}

    def write(
        self, session: Session, context: StreamContext, mapped: dict[str, Any], local_id: str | None
    ) -> str:
        if local_id is None:
            result = session.execute(insert(local).values(**mapped).returning(local.c.id))
            local_id = str(result.scalar_one())
        else:
            session.execute(
                update(local).where(local.c.id == int(local_id)).values(value=mapped["value"])
            )
        return local_id

    def import_window(
        self,
        context: StreamContext,
        cursor: Any,
        window: Window,
        expectation: Expectation | None = None,
    ) -> int:
        read = super().import_window(context, cursor, window, expectation)
        with context.transaction() as session:
            session.execute(
                insert(run_log).values(
                    holder=context.lease.holder, started=self._started, ended=time.time()
                )
            )
        return read
