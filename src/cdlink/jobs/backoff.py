"""The wait between tries of a loop that keeps failing (Redis or the database down): doubling, so a
fault is logged a few times a minute rather than at every tick."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    """The wait before the next try: ``base`` after a success, doubling with each failure in a
    row up to ``cap``."""

    base: float
    cap: float = 60.0
    failures: int = field(default=0)

    def failed(self) -> float:
        self.failures += 1
        return self.delay

    def succeeded(self) -> None:
        self.failures = 0

    @property
    def delay(self) -> float:
        if self.failures == 0:
            return self.base
        return float(min(self.cap, self.base * 2 ** min(self.failures, 32)))
