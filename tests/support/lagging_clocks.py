"""A marketplace whose clock is behind cdlink's: every record it lists looks older than it is when
cdlink first sees it, as a change that shows late on the marketplace does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cdlink.core.clock import ManualClock
from cdlink.jobs.environment import JobEnvironment


@dataclass(frozen=True)
class LaggingClocks:
    """The marketplace's clock and cdlink's, ``late`` ahead of it; both move together."""

    marketplace: ManualClock
    cdlink: ManualClock

    @classmethod
    def behind(cls, start: datetime, late: timedelta) -> LaggingClocks:
        return cls(ManualClock(start), ManualClock(start + late))

    def run_after(self, shop: JobEnvironment, stream: str, seconds: float) -> None:
        """Both clocks move on ``seconds``, then ``stream`` runs once and succeeds."""
        self.marketplace.advance(seconds)
        self.cdlink.advance(seconds)
        report = shop.runner().run(1, stream)
        assert report.outcome == "succeeded", report.message
