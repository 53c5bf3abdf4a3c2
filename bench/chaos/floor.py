"""How near the drain came to its floor: "chaos drain ÷ physical minimum".

The physical minimum is the time the calls of the drain's own work take at the client's call
budget (docs/chaos.md, "Reading the output"): the order actions finished during the drain (one
call each, the acceptances in this run) and the offer-package calls of the stock pushes started
during it (per package: create, its uploads of ≤ 100 requests, mark ready, one status read and
the results: ``upload_calls`` + 4), divided by the budget's calls per second. Both come from the
run's database (``order_actions.finished_at``, the ``stock`` runs' counts), not from the plan.
Nothing else the drain waits for (reading orders back, the sandbox's delivery timers, the
offers and reconciliation runs) is counted, so the minimum is a lower bound and the ratio errs
on the high side.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from cdlink.store.engine import Database
from cdlink.store.models import OrderAction, SyncRun

NAME = "chaos drain ÷ physical minimum"
#: The calls of one package besides its uploads: create, mark ready, a status read, the results.
PACKAGE_CALLS = 4


@dataclass(frozen=True)
class Floor:
    """The drain's work, its minimum time at ``calls_per_second``, and the drain's ratio to it."""

    order_actions: int
    packages: int
    package_calls: int
    calls_per_second: float
    minimum_seconds: float
    drain_seconds: float

    @property
    def ratio(self) -> float | None:
        """Drain time ÷ minimum; None when the drain had no such work (no floor to compare)."""
        if self.minimum_seconds <= 0:
            return None
        return self.drain_seconds / self.minimum_seconds

    def report(self) -> dict[str, Any]:
        ratio = self.ratio
        found = {**asdict(self), "minimum_seconds": round(self.minimum_seconds, 1)}
        return {**found, NAME: None if ratio is None else round(ratio, 2)}


def measure(
    database: Database, since: datetime, drain_seconds: float, calls_per_second: float
) -> Floor:
    """The floor of the drain that started at ``since`` and took ``drain_seconds``."""
    with database.reading() as session:
        actions = session.scalar(
            select(func.count(OrderAction.id)).where(OrderAction.finished_at >= since)
        )
        runs = session.scalars(
            select(SyncRun.counts).where(SyncRun.stream == "stock", SyncRun.started_at >= since)
        ).all()
    packages = sum(int((counts or {}).get("packages", 0)) for counts in runs)
    uploads = sum(int((counts or {}).get("upload_calls", 0)) for counts in runs)
    package_calls = uploads + PACKAGE_CALLS * packages
    calls = int(actions or 0) + package_calls
    return Floor(
        order_actions=int(actions or 0),
        packages=packages,
        package_calls=package_calls,
        calls_per_second=calls_per_second,
        minimum_seconds=calls / calls_per_second,
        drain_seconds=drain_seconds,
    )
