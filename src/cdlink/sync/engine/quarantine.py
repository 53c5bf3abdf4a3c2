"""The quarantine: marketplace records that could not be imported, kept so nothing is lost.

An importer that meets a record it cannot read or map keeps it here with its raw payload and the
reason, and goes on with the rest of the page. The look-back reads such a record again on every
run: that only counts another occurrence. When a later version of the record imports fine, its
quarantine entry is marked resolved. A record too broken to carry its id (kept as ``raw:<hash>``)
is resolved when an order whose reference its payload names imports fine
(``resolve_by_reference``); whatever is left, a person can dismiss (``dismiss``): it is
acknowledged, not imported, and leaves the list. ``open_entries`` shows what is left.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.store.models import QuarantinedRecord

#: External ids per IN (...) list when resolving a window's imports at once.
_CHUNK = 500


def raw_key(raw: Any) -> str:
    """A stable name for a record too broken to carry its own id."""
    text = json.dumps(raw, sort_keys=True, default=str)
    return "raw:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def keep(
    session: Session,
    *,
    connection_id: int,
    stream: str,
    external_id: str,
    reason: str,
    raw: Any,
    now: datetime,
) -> bool:
    """Quarantine a record (or count it again); return whether it is new (or came back)."""
    entry = session.scalars(
        select(QuarantinedRecord).where(
            QuarantinedRecord.connection_id == connection_id,
            QuarantinedRecord.stream == stream,
            QuarantinedRecord.external_id == external_id,
        )
    ).one_or_none()
    if entry is None:
        session.add(
            QuarantinedRecord(
                connection_id=connection_id,
                stream=stream,
                external_id=external_id,
                reason=reason,
                raw=raw,
                first_seen_at=now,
                last_seen_at=now,
                occurrences=1,
            )
        )
        return True
    entry.occurrences += 1
    entry.last_seen_at = now
    if entry.dismissed_at is not None and entry.reason == reason and entry.raw == raw:
        return False  # the very record a person dismissed: it stays dismissed
    news = entry.resolved_at is not None or entry.reason != reason
    entry.reason, entry.raw = reason, raw
    entry.resolved_at = entry.dismissed_at = None
    return news


def resolve(
    session: Session, *, connection_id: int, stream: str, external_ids: Iterable[str], now: datetime
) -> None:
    """Mark the entries of records that have now been imported as resolved."""
    wanted = list(dict.fromkeys(external_ids))
    for start in range(0, len(wanted), _CHUNK):
        session.execute(
            update(QuarantinedRecord)
            .where(
                QuarantinedRecord.connection_id == connection_id,
                QuarantinedRecord.stream == stream,
                QuarantinedRecord.external_id.in_(wanted[start : start + _CHUNK]),
                QuarantinedRecord.resolved_at.is_(None),
            )
            .values(resolved_at=now)
            .execution_options(synchronize_session=False)
        )


def resolve_by_reference(
    session: Session, *, connection_id: int, stream: str, references: Iterable[str], now: datetime
) -> int:
    """Resolve the unnamed entries (``raw:…``) whose payload names one of ``references``."""
    wanted = set(references)
    if not wanted:
        return 0
    entries = session.scalars(
        select(QuarantinedRecord).where(
            QuarantinedRecord.connection_id == connection_id,
            QuarantinedRecord.stream == stream,
            QuarantinedRecord.external_id.startswith("raw:"),
            QuarantinedRecord.resolved_at.is_(None),
        )
    )
    resolved = 0
    for entry in entries:
        raw = entry.raw if isinstance(entry.raw, dict) else {}
        if raw.get("reference") in wanted:
            entry.resolved_at = now
            resolved += 1
    return resolved


class UnknownQuarantineEntryError(CdlinkError):
    default_hint = "`cdlink sync quarantine` lists the open entries with their ids."


def dismiss(
    session: Session, entry_id: int, now: datetime, connection_id: int | None = None
) -> QuarantinedRecord:
    """A person acknowledges an entry: it leaves the list (it comes back if it is read again
    still broken and its reason changes)."""
    entry = session.get(QuarantinedRecord, entry_id)
    if entry is None or (connection_id is not None and entry.connection_id != connection_id):
        raise UnknownQuarantineEntryError(f"no quarantine entry with id {entry_id}")
    if entry.resolved_at is None:
        entry.resolved_at = entry.dismissed_at = now
    return entry


def entries_for(session: Session, connection_id: int, external_id: str) -> list[QuarantinedRecord]:
    """Every entry (open or resolved) of one record, e.g. of one order."""
    query = select(QuarantinedRecord).where(
        QuarantinedRecord.connection_id == connection_id,
        QuarantinedRecord.external_id == external_id,
    )
    return list(session.scalars(query.order_by(QuarantinedRecord.first_seen_at)))


def open_entries(session: Session, connection_id: int | None = None) -> list[QuarantinedRecord]:
    """Unresolved entries, newest first."""
    query = select(QuarantinedRecord).where(QuarantinedRecord.resolved_at.is_(None))
    if connection_id is not None:
        query = query.where(QuarantinedRecord.connection_id == connection_id)
    return list(session.scalars(query.order_by(QuarantinedRecord.last_seen_at.desc())))
