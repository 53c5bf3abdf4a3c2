"""Which orders a connection imports: a set of marketplace statuses and a first purchase date.

The filter decides which orders *enter* cdlink. An order already imported is never deleted and
keeps following the marketplace whatever its status becomes, so its record never goes stale:
the filter only stops new orders that do not match (the orders stream counts them ``filtered``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cdlink.core.errors import CdlinkError
from cdlink.core.translatable import translatable
from cdlink.store.models import OrderImportFilter

#: The order statuses of the marketplace (reference §6.2.3).
ORDER_STATUSES = (
    "Processing",
    "WaitingAcceptance",
    "Accepted",
    "InPreparation",
    "Shipped",
    "Delivered",
    "Refused",
    "Cancelled",
)


class ImportFilterError(CdlinkError):
    """The filter asked for is not valid; nothing was changed."""

    default_hint = translatable("Choose at least one of the marketplace's order statuses.")


@dataclass(frozen=True)
class ImportFilter:
    """None (statuses) or None (date) means "any"."""

    statuses: frozenset[str] | None = None
    purchased_from: datetime | None = None

    def admits(self, status: str, purchased_at: datetime | None) -> bool:
        """Whether a new order in ``status``, bought at ``purchased_at``, is imported."""
        if self.statuses is not None and status not in self.statuses:
            return False
        return not (
            self.purchased_from is not None
            and purchased_at is not None
            and purchased_at < self.purchased_from
        )

    def widened_by(self, other: ImportFilter) -> bool:
        """Whether ``other`` lets in an order this filter kept out."""
        more_statuses = self.statuses is not None and (
            other.statuses is None or bool(other.statuses - self.statuses)
        )
        earlier = self.purchased_from is not None and (
            other.purchased_from is None or other.purchased_from < self.purchased_from
        )
        return more_statuses or earlier

    @property
    def is_open(self) -> bool:
        return self.statuses is None and self.purchased_from is None


def import_filter(session: Session, connection_id: int) -> ImportFilter:
    row = session.get(OrderImportFilter, connection_id)
    if row is None:
        return ImportFilter()
    statuses = frozenset(row.statuses) if row.statuses is not None else None
    return ImportFilter(statuses, row.purchased_from)


def set_import_filter(
    session: Session,
    connection_id: int,
    statuses: Iterable[str] | None,
    purchased_from: datetime | None,
    now: datetime,
) -> tuple[ImportFilter, ImportFilter]:
    """Store the filter; returns (before, after). Every status chosen means "any status"."""
    chosen = None if statuses is None else frozenset(statuses)
    if chosen is not None:
        if chosen - set(ORDER_STATUSES):
            raise ImportFilterError(translatable("unknown order status"))
        if not chosen:
            raise ImportFilterError(translatable("choose at least one status"))
        if chosen == set(ORDER_STATUSES):
            chosen = None
    if purchased_from is not None and purchased_from > now:
        raise ImportFilterError(
            translatable("the first purchase date is in the future"),
            hint=translatable("Choose today at the latest."),
        )
    before = import_filter(session, connection_id)
    row = session.get(OrderImportFilter, connection_id)
    if row is None:
        row = OrderImportFilter(connection_id=connection_id)
        session.add(row)
    row.statuses = sorted(chosen) if chosen is not None else None
    row.purchased_from = purchased_from
    row.updated_at = now
    return before, ImportFilter(chosen, purchased_from)
