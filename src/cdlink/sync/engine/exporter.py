"""Outbox exporters: streams that push pending writes to the marketplace.

A run claims due outbox entries of its stream (``cdlink.sync.engine.outbox``), keeps only the newest
per key — newest of all the key's entries, not just of the batch, so an old refused level retried
later can never overwrite a newer one already confirmed — skips those whose payload the
marketplace already confirmed (same hash on the binding), pushes the rest (a remote call, outside
any transaction), then records each outcome: confirmed entries are done and their binding holds
the new hash; refused ones go back to the queue with the reason, due again later, until they are
given up after ``max_attempts`` (state "failed", reason in the activity log).

A subclass sets ``name`` and ``kind`` and fills in ``push``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cdlink.store.models import Binding, OutboxEntry
from cdlink.sync.engine import outbox
from cdlink.sync.engine.bindings import Binder, payload_hash
from cdlink.sync.engine.runs import log
from cdlink.sync.engine.streams import Stream, StreamContext


@dataclass(frozen=True)
class Push:
    """One write to send: the outbox entry's key (e.g. the SKU) and payload."""

    entry_id: int
    key: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class PushOutcome:
    """What the marketplace said about one push: confirmed, or refused with a reason."""

    confirmed: bool
    reason: str | None = None


class OutboxExporter(Stream):
    """A stream that drains its outbox entries to the marketplace."""

    drains_outbox: ClassVar[bool] = True
    default_interval: ClassVar[int | None] = None
    #: The binding kind the pushed keys are bound as, e.g. "offer".
    kind: ClassVar[str]
    batch_size: ClassVar[int] = 100
    #: How long a claim holds before another worker may take the entries over.
    claim_duration: ClassVar[timedelta] = timedelta(minutes=5)
    #: When a refused entry is tried again.
    retry_delay: ClassVar[timedelta] = timedelta(minutes=5)
    #: Attempts after which a refused entry is given up (failed, shown in the activity log).
    max_attempts: ClassVar[int] = 5

    def run(self, context: StreamContext) -> None:
        self.recover_claims(context)
        self.drain(context)

    def drain(self, context: StreamContext) -> None:
        context.check_stop()
        while self.export_batch(context):
            context.check_stop()  # between two batches, each claimed and confirmed whole

    def recover_claims(self, context: StreamContext) -> None:
        """Take back the entries an earlier run claimed but never finished (killed or failed)."""
        with context.transaction() as session:
            recovered = outbox.recover(
                session,
                connection_id=context.connection_id,
                stream=self.name,
                holder=context.lease.holder,
                now=context.clock.now(),
            )
        if recovered:
            context.count(recovered=recovered)

    def export_batch(self, context: StreamContext) -> bool:
        """Claim → coalesce → skip? → push → confirm one batch; False when nothing was due."""
        pushes = self.claim(context)
        if pushes is None:
            return False
        outcomes = self.push(context, pushes) if pushes else {}
        self.confirm(context, pushes, outcomes)
        return True

    def claim(self, context: StreamContext) -> list[Push] | None:
        """Claim a batch and keep what must be sent; None when nothing was due."""
        now = context.clock.now()
        with context.transaction() as session:
            entries = outbox.claim(
                session,
                connection_id=context.connection_id,
                stream=self.name,
                holder=context.lease.holder,
                now=now,
                hold_for=self.claim_duration,
                limit=self.batch_size,
            )
            if not entries:
                return None
            to_send = self._coalesce(session, context, entries)
        superseded = sum(entry.state == outbox.SUPERSEDED for entry in entries)
        context.count(superseded=superseded, skipped=len(entries) - superseded - len(to_send))
        return [Push(entry.id, entry.key, dict(entry.payload)) for entry in to_send]

    def _coalesce(
        self, session: Session, context: StreamContext, entries: list[OutboxEntry]
    ) -> list[OutboxEntry]:
        """Supersede all but each key's newest entry; finish those already confirmed."""
        now = context.clock.now()
        latest = outbox.latest_ids(
            session,
            connection_id=context.connection_id,
            stream=self.name,
            keys=(entry.key for entry in entries),
        )
        newest = [entry for entry in entries if entry.id == latest[entry.key]]
        for entry in entries:
            if entry.id != latest[entry.key]:
                outbox.finish(entry, outbox.SUPERSEDED, now)
        bindings = Binder(session, context.connection_id, context.clock).find_many(
            self.kind, (entry.key for entry in newest)
        )
        confirmed = self.already_confirmed(session, newest, bindings)
        for entry in newest:
            if entry.id in confirmed:
                outbox.finish(entry, outbox.DONE, now)
        return [entry for entry in newest if entry.id not in confirmed]

    def confirm(
        self,
        context: StreamContext,
        pushes: Sequence[Push],
        outcomes: Mapping[int, PushOutcome],
        *,
        also: Callable[[Session], None] | None = None,
    ) -> None:
        """Record each outcome: confirmed → done and bound; refused → queued again, or failed.

        ``also`` writes more in the same transaction (what the exporter records of the outcomes
        itself), so a batch's outcomes and its entries commit together, in one write.
        """
        counts: Counter[str] = Counter()
        with context.transaction() as session:
            if also is not None:
                also(session)
            binder = Binder(session, context.connection_id, context.clock)
            # Two queries for the whole batch rather than two per push.
            entries = _entries(session, [push.entry_id for push in pushes])
            bindings = binder.find_many(self.kind, (push.key for push in pushes))
            for push in pushes:
                entry = entries[push.entry_id]
                outcome = outcomes.get(push.entry_id, PushOutcome(False, "no answer"))
                if outcome.confirmed:
                    self._bind(binder, bindings.get(push.key), push)
                    outbox.finish(entry, outbox.DONE, context.clock.now())
                    counts["confirmed"] += 1
                else:
                    counts[self._refused(session, context, entry, outcome.reason or "refused")] += 1
            binder.flush()  # the new bindings in one batch
        context.count(**counts)
        if counts["confirmed"]:
            context.made_progress()

    def release(self, context: StreamContext, pushes: Sequence[Push], reason: str) -> None:
        """Entries not sent: due again at once (the next run), not after their claim expires."""
        with context.transaction() as session:
            entries = _entries(session, [push.entry_id for push in pushes])
            for push in pushes:
                outbox.release(entries[push.entry_id], error=reason, retry_at=context.clock.now())

    def _refused(
        self, session: Session, context: StreamContext, entry: OutboxEntry, reason: str
    ) -> str:
        now = context.clock.now()
        if entry.attempts < self.max_attempts:
            outbox.release(entry, error=reason, retry_at=now + self.retry_delay)
            return "refused"
        entry.last_error = reason
        outbox.finish(entry, outbox.FAILED, now)
        log(
            session,
            connection_id=context.connection_id,
            kind="sync.push_failed",
            level="error",
            message=f"{self.name}: {entry.key} was refused {entry.attempts} times: {reason}",
            now=now,
            details={"outbox_id": entry.id, "key": entry.key},
        )
        return "failed"

    def _bind(self, binder: Binder, binding: Binding | None, push: Push) -> None:
        digest = payload_hash(push.payload)
        if binding is None:
            binder.bind(self.kind, push.key, push.key, payload_hash=digest, flush=False)
        else:
            binder.touch(binding, payload_hash=digest)

    def already_confirmed(
        self, session: Session, entries: Sequence[OutboxEntry], bindings: Mapping[str, Binding]
    ) -> set[int]:
        """The ids of ``entries`` whose exact payload the marketplace already confirmed (by
        ``bindings``, keyed like the entries): those are not sent again."""
        return {entry.id for entry in entries if _unchanged(bindings.get(entry.key), entry)}

    @abstractmethod
    def push(self, context: StreamContext, pushes: Sequence[Push]) -> Mapping[int, PushOutcome]:
        """Send ``pushes`` to the marketplace; the outcome of each, by ``entry_id``."""


def _unchanged(binding: Binding | None, entry: OutboxEntry) -> bool:
    """Whether the marketplace already confirmed exactly this payload."""
    return binding is not None and binding.payload_hash == payload_hash(entry.payload)


def _entries(session: Session, ids: Sequence[int]) -> dict[int, OutboxEntry]:
    found: dict[int, OutboxEntry] = {}
    for start in range(0, len(ids), 500):
        query = select(OutboxEntry).where(OutboxEntry.id.in_(ids[start : start + 500]))
        found.update((entry.id, entry) for entry in session.scalars(query))
    return found
