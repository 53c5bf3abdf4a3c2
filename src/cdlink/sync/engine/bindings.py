"""The binder: local record ↔ marketplace object, exactly once per (connection, kind, id).

The unique constraint on ``bindings`` is the guarantee. When two runs import the same object at
once, both may find no binding and both create a local record; the second one's insert then hits
the constraint, and ``bind`` raises ``BindingRaced`` so its whole transaction (local record
included) rolls back and the work is retried later, when the binding is visible: no duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cdlink.core.clock import Clock
from cdlink.store.models import Binding
from cdlink.sync.engine.errors import BindingRaced

# Values per IN (...) list: well under every database's limit on bound parameters.
_CHUNK = 500
_BINDINGS = Binding.metadata.tables[Binding.__tablename__]
_COLUMNS = [column.name for column in _BINDINGS.columns if column.name != "id"]


class Binder:
    """Finds and records bindings of one connection, inside the caller's transaction."""

    def __init__(self, session: Session, connection_id: int, clock: Clock) -> None:
        self.session = session
        self.connection_id = connection_id
        self.clock = clock
        self._pending: list[Binding] = []

    def find(self, kind: str, external_id: str) -> Binding | None:
        return self.session.scalars(
            select(Binding).where(
                Binding.connection_id == self.connection_id,
                Binding.kind == kind,
                Binding.external_id == external_id,
            )
        ).one_or_none()

    def find_many(self, kind: str, external_ids: Iterable[str]) -> dict[str, Binding]:
        """The bindings of several marketplace objects at once (one query), by external id."""
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, Binding] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = select(Binding).where(
                Binding.connection_id == self.connection_id,
                Binding.kind == kind,
                Binding.external_id.in_(wanted[start : start + _CHUNK]),
            )
            found.update((binding.external_id, binding) for binding in self.session.scalars(query))
        return found

    def to_internal(self, kind: str, external_id: str) -> str | None:
        """The local id bound to the marketplace object, or None if it is not bound yet."""
        binding = self.find(kind, external_id)
        return binding.local_id if binding else None

    def bind(
        self,
        kind: str,
        external_id: str,
        local_id: str,
        *,
        payload_hash: str | None = None,
        flush: bool = True,
    ) -> Binding:
        """Bind a new local record; raise ``BindingRaced`` if another run bound it first.

        With ``flush=False`` the binding waits for the next ``flush()`` (one statement for a
        whole page of bindings), and may still be changed (``touch``) until then. The binding
        returned is what is written, not an object of the session: after the flush, ``find``
        it to change it.
        """
        now = self.clock.now()
        binding = Binding(
            connection_id=self.connection_id,
            kind=kind,
            external_id=external_id,
            local_id=local_id,
            payload_hash=payload_hash,
            bound_at=now,
            synced_at=now,
        )
        # No savepoint: after a race the whole transaction must roll back anyway (it may hold a
        # local record created for this object), and savepoints cost a round trip per record.
        self._pending.append(binding)
        if flush:
            self.flush()
        return binding

    def flush(self) -> None:
        """Write the pending bindings, with the session's other pending changes; raise
        ``BindingRaced`` if another run bound one first."""
        # One statement for them all: the unit of work would insert them one by one, to read
        # back each id (which nothing needs).
        rows = [{name: getattr(binding, name) for name in _COLUMNS} for binding in self._pending]
        self._pending.clear()
        try:
            self.session.flush()
            if rows:
                self.session.execute(insert(_BINDINGS), rows)
        except IntegrityError as error:
            if not _is_unique_violation(error):
                raise  # a broken record, not a race: the failure policy counts it
            raise BindingRaced(
                f"another run bound an object of connection {self.connection_id} first "
                f"({_constraint(error)})"
            ) from error

    def touch(self, binding: Binding, *, payload_hash: str | None = None) -> None:
        """Record that the bound object was synced again (and, if given, what was confirmed)."""
        binding.synced_at = self.clock.now()
        if payload_hash is not None:
            binding.payload_hash = payload_hash


def raced(error: IntegrityError, what: str) -> BindingRaced | IntegrityError:
    """What a write that broke a constraint means: another run stored the same object first
    (a unique violation: ``BindingRaced``, retried soon) or a broken record (the error itself)."""
    if not _is_unique_violation(error):
        return error
    return BindingRaced(f"another run stored {what} first ({_constraint(error)})")


def _is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a duplicate (PostgreSQL SQLSTATE 23505, or SQLite's words)."""
    original = error.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        original
    )


def _constraint(error: IntegrityError) -> str:
    """The database's own words, without the statement's parameters (no payloads in logs)."""
    return str(error.orig).splitlines()[0][:200]


def payload_hash(payload: Any) -> str:
    """A stable hash of a JSON-able payload, to skip exports the marketplace already has."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
